/**
 * Contract tests (issue #4): every request a shipped outbound mapping produces for its shipped
 * fixtures is accepted by the vendor's fake, going through the real connector.
 *
 * The test list is generated from the files on disk: every outbound mapping in
 * mappings/<preset>/ and every fixture case in mappings/<preset>/fixtures/<name>.yaml that has
 * `expected` (a successful case). A mapping without a successful case fails the suite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import winston from 'winston';
import { targetSchema, type SecretRef, type TargetConfig } from '../../bridge/config/schema.js';
import type { Connector, OutboundRequest } from '../../bridge/connectors/index.js';
import type { Logger } from '../../bridge/log/logger.js';
import { parseFixtures, type FixtureCase } from '../../bridge/mapping/fixtures.js';
import { loadMapping, runMapping, xrefFromTable, type CompiledMapping, type XrefTable } from '../../bridge/mapping/index.js';
import { kindOf } from '../../bridge/runtime/mapping-registry.js';

/** dist/test/contract -> repository root (mappings are read from source, not dist). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const MAPPINGS_DIR = path.join(ROOT, 'mappings');

export const silentLog: Logger = winston.createLogger({ silent: true });

export interface ContractCase {
  /** Mapping file name without extension, e.g. 'order_release'. */
  mappingName: string;
  mapping: CompiledMapping;
  case: FixtureCase;
  /** The event the case maps (the case's event, else the mapping's first). */
  event: string;
}

export interface PresetMappings {
  preset: string;
  /** Every outbound mapping, by file name. */
  mappings: Map<string, CompiledMapping>;
  /** Successful fixture cases of the outbound mappings. */
  cases: ContractCase[];
  /** Outbound mappings without any successful fixture case (the suite fails on them). */
  uncovered: string[];
}

/** Reads mappings/<preset>/*.yaml (outbound only) and their fixtures. Throws on unreadable files. */
export function loadPreset(preset: string): PresetMappings {
  const dir = path.join(MAPPINGS_DIR, preset);
  const mappings = new Map<string, CompiledMapping>();
  const cases: ContractCase[] = [];
  const uncovered: string[] = [];
  for (const file of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const full = path.join(dir, file);
    const m = loadMapping(fs.readFileSync(full, 'utf8'), full);
    if (m.direction !== 'outbound') continue;
    const name = file.replace(/\.ya?ml$/, '');
    mappings.set(name, m);
    const fxFile = [path.join(dir, 'fixtures', `${name}.yaml`), path.join(dir, 'fixtures', `${name}.yml`)].find((f) => fs.existsSync(f));
    const ok: FixtureCase[] = [];
    if (fxFile) {
      const parsed = parseFixtures(fs.readFileSync(fxFile, 'utf8'), fxFile);
      if (!parsed.ok) throw new Error(parsed.error);
      ok.push(...parsed.cases.filter((c) => c.expected !== undefined));
    }
    if (ok.length === 0) uncovered.push(name);
    for (const c of ok) cases.push({ mappingName: name, mapping: m, case: c, event: c.event ?? m.events[0]! });
  }
  return { preset, mappings, cases, uncovered };
}

/** Runs a case's mapping like the fixture runner and the runtime do; `xref` replaces the case's table. */
export function mapCase(c: ContractCase, overrides: { input?: unknown; xref?: XrefTable; event?: string } = {}): Record<string, unknown> {
  const ctx = {
    event: overrides.event ?? c.event,
    now: c.case.now ?? '2026-01-01T00:00:00Z',
    vars: c.case.vars ?? {},
    meta: c.case.meta ?? {},
    xref: xrefFromTable(overrides.xref ?? c.case.xref ?? {}),
  };
  const r = runMapping(c.mapping, overrides.input ?? c.case.input, ctx);
  if (!r.ok) throw new Error(`${c.mapping.file} / ${c.case.name}: mapping failed: ${JSON.stringify(r.errors)}`);
  return JSON.parse(JSON.stringify(r.value)) as Record<string, unknown>;
}

let seq = 0;

/** The OutboundRequest the runtime builds for a mapped event (see bridge/runtime/deliver-event.ts). */
export function outbound(
  target: string,
  c: ContractCase,
  payload: Record<string, unknown>,
  extra: { resId?: number; event?: string; externalRef?: string; attempts?: number; idempotencyKey?: string } = {},
): OutboundRequest {
  seq++;
  const event = extra.event ?? c.event;
  const input = c.case.input as { id?: unknown };
  const resId = extra.resId ?? (typeof input?.id === 'number' ? input.id : seq);
  const req: OutboundRequest = {
    target,
    eventType: event,
    model: c.mapping.source,
    resId,
    kind: kindOf(c.mapping.source, event),
    payload,
    idempotencyKey: extra.idempotencyKey ?? `contract-${c.mapping.source}-${resId}-${event}-${seq}`,
    correlationId: `contract-${seq}`,
    attempts: extra.attempts ?? 1,
  };
  if (extra.externalRef !== undefined) req.externalRef = extra.externalRef;
  return req;
}

/** A target config pointing at a fake (validated through the real schema). */
export function targetConfig(raw: Record<string, unknown>): TargetConfig {
  return targetSchema.parse(raw);
}

/** Secrets resolved from a plain table keyed by env/secret name. */
export function secrets(table: Record<string, string>): (ref: SecretRef) => string {
  return (ref) => {
    const name = 'env' in ref ? ref.env : ref.secret;
    const v = table[name];
    if (v === undefined) throw new Error(`no contract-test secret ${name}`);
    return v;
  };
}

export async function deliver(connector: Connector, req: OutboundRequest) {
  return connector.deliver(req, silentLog);
}

/** Every request the fake answered since `from` (ledger index), for 2xx assertions. */
export function statusesSince(requests: Array<{ method: string; path: string; status: number | null }>, from: number): string[] {
  return requests.slice(from).map((r) => `${r.method} ${r.path} -> ${r.status}`);
}

export function non2xx(requests: Array<{ method: string; path: string; status: number | null }>, from: number, allowed: (r: { method: string; path: string; status: number | null }) => boolean = () => false): string[] {
  return requests
    .slice(from)
    .filter((r) => !(r.status !== null && r.status >= 200 && r.status < 300) && !allowed(r))
    .map((r) => `${r.method} ${r.path} -> ${r.status}`);
}

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** The first successful case of a mapping, or undefined. */
export function firstCase(p: PresetMappings, mappingName: string, event?: string): ContractCase | undefined {
  return p.cases.find((c) => c.mappingName === mappingName && (event === undefined || c.event === event));
}

/** The mappings serving an event of a model, e.g. ('sale.order', 'release'). */
export function casesFor(p: PresetMappings, source: string, event: string): ContractCase[] {
  return p.cases.filter((c) => c.mapping.source === source && c.event === event);
}
