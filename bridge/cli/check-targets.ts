import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import type { BridgeConfig, TargetConfig } from '../config/schema.js';
import { BridgeError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { createConnector } from '../connectors/index.js';
import type { ConnectorDeps, SecretResolver } from '../connectors/connector.js';
import type { BaseConnector } from '../connectors/base-connector.js';
import type { TargetHttpClient } from '../connectors/http/http-client.js';
import { formatProblem, type SchemaProblem } from '../connectors/schema-check.js';
import { readHubSpotOptions } from '../connectors/hubspot/context.js';
import { readProperties } from '../connectors/hubspot/reads.js';
import { checkHubSpotProperties, hubspotNeeds, objectTypesOf, type HubSpotPropertyDef } from '../connectors/hubspot/schema-check.js';
import { readSalesforceOptions } from '../connectors/salesforce/context.js';
import { describeSObject } from '../connectors/salesforce/reads.js';
import { checkSalesforceFields, salesforceNeeds, sobjectsOf, type SalesforceFieldDescribe } from '../connectors/salesforce/schema-check.js';
import { formatIssue, loadMapping, MappingCompileError, outlineMapping, type MappingOutline } from '../mapping/index.js';
import { kindOf } from '../runtime/mapping-registry.js';

const USAGE = 'usage: sync-bridge check-targets [--target <code>]';

/** Exit codes: 0 all well, 1 schema problems, 2 credentials refused, 3 target unreachable or failing. */
export const EXIT = { ok: 0, problems: 1, auth: 2, unreachable: 3 } as const;

export interface CheckTargetsDeps {
  config: BridgeConfig;
  secret: SecretResolver;
  log: Logger;
  /** fetch/clock for the connectors (tests). */
  connectorDeps?: ConnectorDeps;
}

/** A target's outbound mappings: outline (for the checks) and the connector kinds of their events. */
interface LoadedMapping { outline: MappingOutline; kinds: string[] }

function loadTargetMappings(dir: string, t: TargetConfig, problems: string[]): LoadedMapping[] {
  const folder = path.join(dir, t.mappings ?? t.preset);
  if (!fs.existsSync(folder)) { problems.push(`mappings folder ${folder} does not exist`); return []; }
  const out: LoadedMapping[] = [];
  for (const name of fs.readdirSync(folder).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const file = path.join(folder, name);
    const text = fs.readFileSync(file, 'utf8');
    try {
      const m = loadMapping(text, file);
      if (m.direction !== 'outbound') continue;
      out.push({ outline: outlineMapping(text, file), kinds: m.events.map((ev) => kindOf(m.source, ev)) });
    } catch (e) {
      if (e instanceof MappingCompileError) problems.push(...e.issues.slice(0, 3).map((i) => `mapping does not compile: ${formatIssue(i)}`));
      else throw e;
    }
  }
  return out;
}

export interface TargetOutcome { code: number; lines: string[]; summary: string }

/** A failed read: credentials refused (exit 2) or the target unreachable / failing (exit 3). */
function failure(target: string, e: unknown): TargetOutcome {
  const status = e instanceof BridgeError ? e.details.status : undefined;
  const auth = status === 401 || status === 403 || (e instanceof BridgeError && e.details.reason === 'token' && typeof status === 'number' && status < 500 && status !== 429);
  const msg = e instanceof Error ? e.message : String(e);
  return auth
    ? { code: EXIT.auth, lines: [], summary: `${target}: authentication failed (check the target's credentials): ${msg}` }
    : { code: EXIT.unreachable, lines: [], summary: `${target}: cannot reach the target or it failed: ${msg}` };
}

async function checkHubSpot(t: TargetConfig, http: TargetHttpClient, mappings: LoadedMapping[], log: Logger): Promise<{ problems: SchemaProblem[]; note: string }> {
  const options = readHubSpotOptions(t.options ?? {});
  const vars = (t.options.vars ?? {}) as Record<string, unknown>;
  const needs = mappings.flatMap((m) => hubspotNeeds(m.outline, m.kinds, options, vars));
  const types = objectTypesOf(needs);
  const props = new Map<string, HubSpotPropertyDef[]>();
  const correlationId = `check-targets-${randomUUID()}`;
  // No mapping writes to HubSpot: one read still proves the credentials.
  for (const type of types.length ? types : ['companies']) props.set(type, await readProperties(http, type, { correlationId, log }));
  const names = new Set(needs.map((n) => `${n.objectType}.${n.property}`));
  return { problems: checkHubSpotProperties(needs, props), note: `${mappings.length} mappings, ${names.size} properties on ${types.join(', ') || 'no object type'}` };
}

async function checkSalesforce(t: TargetConfig, http: TargetHttpClient, mappings: LoadedMapping[], log: Logger): Promise<{ problems: SchemaProblem[]; note: string }> {
  const options = readSalesforceOptions(t.base_url, t.options ?? {});
  const vars = (t.options.vars ?? {}) as Record<string, unknown>;
  const needs = mappings.flatMap((m) => salesforceNeeds(m.outline, m.kinds, options, vars));
  const sobjects = sobjectsOf(needs);
  const describes = new Map<string, SalesforceFieldDescribe[]>();
  const correlationId = `check-targets-${randomUUID()}`;
  for (const s of sobjects.length ? sobjects : ['Account']) describes.set(s, await describeSObject(http, s, { correlationId, apiVersion: options.apiVersion, log }));
  const names = new Set(needs.map((n) => `${n.sobject}.${n.field}`));
  return { problems: checkSalesforceFields(needs, describes), note: `${mappings.length} mappings, ${names.size} fields on ${sobjects.join(', ') || 'no SObject'}` };
}

/** ShipBob and the generic WMS: one cheap authenticated GET (their schemas need no set-up). */
async function checkWms(t: TargetConfig, http: TargetHttpClient, log: Logger): Promise<{ problems: SchemaProblem[]; note: string }> {
  const correlationId = `check-targets-${randomUUID()}`;
  if (t.preset === 'shipbob') await http.request({ method: 'GET', path: 'product', query: { PageSize: 1 }, correlationId, log });
  else await http.request({ method: 'GET', path: 'stock', query: { limit: 1 }, correlationId, log });
  return { problems: [], note: 'credentials work; no schema to check' };
}

/** One target's check: its outcome code (EXIT), one line per problem, a summary line. */
export async function checkTarget(code: string, t: TargetConfig, deps: CheckTargetsDeps): Promise<TargetOutcome> {
  const setup: string[] = [];
  const mappings = loadTargetMappings(deps.config.mappings.dir, t, setup);
  const connector = createConnector(code, t, deps.secret, { ...deps.connectorDeps, log: deps.log }) as BaseConnector;
  let result: { problems: SchemaProblem[]; note: string };
  try {
    if (t.preset === 'hubspot') result = await checkHubSpot(t, connector.http, mappings, deps.log);
    else if (t.preset === 'salesforce') result = await checkSalesforce(t, connector.http, mappings, deps.log);
    else result = await checkWms(t, connector.http, deps.log);
  } catch (e) {
    return failure(code, e);
  }
  const lines = [...setup.map((s) => `${code}: ${s}`), ...result.problems.map((p) => formatProblem(code, p))];
  if (lines.length === 0) return { code: EXIT.ok, lines, summary: `${code}: ok (${result.note})` };
  return { code: EXIT.problems, lines, summary: `${code}: ${lines.length} problem${lines.length === 1 ? '' : 's'}` };
}

/**
 * `sync-bridge check-targets [--target T]`: per configured target (or the one named), an
 * authenticated read proving the credentials work and, for the CRMs, the properties / fields
 * its outbound mappings write compared with the CRM's schema. One line per problem (naming the
 * target, object, property and the mapping file:line:col), then a summary line per target.
 * Exit 0 all well, 1 problems, 2 credentials refused, 3 a target unreachable or failing (the
 * highest code of all targets), 2 on a usage error too.
 */
export async function runCheckTargets(deps: CheckTargetsDeps, argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { target: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: false, strict: false });
  if (values.help) { out.write(`${USAGE}\n`); return 0; }
  const targets = deps.config.targets;
  const only = typeof values.target === 'string' ? values.target : undefined;
  if (only !== undefined && !targets[only]) { err.write(`check-targets: target '${only}' is not configured (known: ${Object.keys(targets).join(', ') || 'none'})\n`); return 2; }
  const codes = only !== undefined ? [only] : Object.keys(targets).sort();
  if (codes.length === 0) { err.write('check-targets: no targets configured\n'); return 2; }
  let code = 0;
  for (const c of codes) {
    const t = targets[c]!;
    err.write(`check-targets: ${c} (${t.preset})...\n`);
    const r = await checkTarget(c, t, deps);
    for (const line of r.lines) out.write(`${line}\n`);
    out.write(`${r.summary}\n`);
    code = Math.max(code, r.code);
  }
  return code;
}
