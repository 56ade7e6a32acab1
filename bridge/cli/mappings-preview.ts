/** `mappings preview <mapping> (--input <file.json> | --record <model>:<id> | --inbox-id <N>)`: prints the mapped payload or the errors. */
import {
  collectLookups,
  compileMapping,
  formatIssue,
  formatRunIssue,
  requiredSpec,
  runMapping,
  xrefFromTable,
  type CompiledMapping,
  type LookupRequest,
  type MappingContext,
  type XrefResolver,
  type XrefTable,
} from '../mapping/index.js';
import type { WebReadSpec } from '../mapping/index.js';
import { consoleWriter, readText, type Writer } from './mappings-files.js';
import type { TargetRunContext } from './mappings-diff.js';
import { inboxSamples, type InboxReads, type InboxSample } from './inbound-samples.js';
import { UsageError } from './usage-error.js';

export interface PreviewOptions {
  writer?: Writer;
  /** Reads one Odoo record with web_read(spec) (supplied by the Odoo gateway). Needed for --record. */
  readRecord?: (model: string, id: number, spec: WebReadSpec) => Promise<unknown>;
  /** The major version of the Odoo --record reads from (mappings compile per series); default 18. */
  odooSeries?: () => Promise<number>;
  /** Fetches the cross-references a record needs (sync.link / natural keys). Optional. */
  resolveLookups?: (requests: LookupRequest[], mapping: CompiledMapping) => Promise<XrefResolver>;
  /** The configured target whose mappings folder holds `file`, if any (its vars and links are used). */
  targetOfFile?: (file: string) => string | undefined;
  /** Run-time context of a configured target (`options.vars`, sync.link lookups), undefined for an unknown code. */
  targetContext?: (code: string) => TargetRunContext | undefined;
  /** The sidecar's inbox (state file): --inbox-id maps a stored message's mapping input. */
  inbox?: InboxReads;
}

const USAGE =
  'usage: mappings preview <mapping.yaml> (--input <file.json> | --record <model>:<id> | --inbox-id <N>) [--event <name>] [--target T] [--var name=value]... [--meta name=value]... [--now <datetime>] [--xref <file.json>]';

/** `name=value` of --var / --meta: numbers and true/false typed, the rest a string. */
export function parseKv(s: string): [string, unknown] | undefined {
  const i = s.indexOf('=');
  if (i <= 0) return undefined;
  const v = s.slice(i + 1);
  let parsed: unknown = v;
  if (/^-?\d+(\.\d+)?$/.test(v)) parsed = Number(v);
  else if (v === 'true' || v === 'false') parsed = v === 'true';
  return [s.slice(0, i), parsed];
}

export async function mappingsPreview(args: string[], options: PreviewOptions = {}): Promise<number> {
  const w = options.writer ?? consoleWriter;
  let mappingFile: string | undefined;
  let inputFile: string | undefined;
  let record: string | undefined;
  let xrefFile: string | undefined;
  let targetArg: string | undefined;
  let inboxId: string | undefined;
  const ctx: MappingContext = { vars: {}, meta: {} };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = () => args[++i];
    switch (a) {
      case '--input': inputFile = next(); break;
      case '--record': record = next(); break;
      case '--inbox-id': inboxId = next(); break;
      case '--event': { const e = next(); if (e !== undefined) ctx.event = e; break; }
      case '--now': { const n = next(); if (n !== undefined) ctx.now = n; break; }
      case '--xref': xrefFile = next(); break;
      case '--target': targetArg = next(); break;
      case '--var':
      case '--meta': {
        const kv = parseKv(next() ?? '');
        if (!kv) { w.err(`${a} needs name=value`); return 2; }
        (a === '--var' ? ctx.vars! : ctx.meta!)[kv[0]] = kv[1];
        break;
      }
      default:
        if (a.startsWith('-') || mappingFile) { w.err(`unexpected argument ${a}\n${USAGE}`); return 2; }
        mappingFile = a;
    }
  }
  if (!mappingFile || [inputFile, record, inboxId].filter((x) => x !== undefined).length !== 1) {
    w.err(USAGE);
    return 2;
  }
  let text: string;
  try {
    text = await readText(mappingFile);
  } catch (e) {
    w.err(`cannot read ${mappingFile}: ${(e as Error).message}`);
    return 2;
  }
  const odooSeries = record !== undefined && options.odooSeries ? await options.odooSeries() : undefined;
  const compiled = compileMapping(text, mappingFile, odooSeries === undefined ? {} : { odooSeries });
  if (!compiled.ok) {
    for (const i of compiled.issues) w.err(formatIssue(i));
    return 1;
  }
  const m = compiled.mapping;
  let message: InboxSample | undefined;
  if (inboxId !== undefined) {
    if (!/^\d+$/.test(inboxId) || m.direction !== 'inbound') { w.err(`--inbox-id needs an inbox message id and an inbound mapping (${mappingFile} is ${m.direction})`); return 2; }
    try {
      message = inboxSamples({ file: mappingFile, events: m.events, ids: [Number(inboxId)], targets: [] }, options.inbox)[0]!;
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      w.err(e.message);
      return 2;
    }
    // As prepare() maps it: its event, meta and target's vars (--event, --meta, --target win).
    ctx.event ??= message.message.event;
    ctx.meta = { ...message.message.meta, ...ctx.meta };
  }
  // A target's vars (the ones given with --var win) and its sync.link references, as the sidecar maps.
  const targetCode = targetArg ?? message?.message.target ?? (record !== undefined ? options.targetOfFile?.(mappingFile) : undefined);
  const target = targetCode === undefined ? undefined : options.targetContext?.(targetCode);
  if (targetArg !== undefined && !target) { w.err(`--target ${targetArg}: no such target in the configuration`); return 2; }
  if (target) ctx.vars = { ...target.vars, ...ctx.vars };
  const resolveLookups = target?.resolveLookups ?? options.resolveLookups;
  let input: unknown = message?.input;
  if (inputFile !== undefined) {
    try {
      input = JSON.parse(await readText(inputFile));
    } catch (e) {
      w.err(`cannot read ${inputFile} as JSON: ${(e as Error).message}`);
      return 2;
    }
  } else if (record !== undefined) {
    const match = /^([a-z][a-z0-9_.]*):(\d+)$/.exec(record);
    if (!match) { w.err(`--record expects <model>:<id>, e.g. sale.order:42`); return 2; }
    if (m.direction !== 'outbound' || match[1] !== m.source) {
      w.err(`${mappingFile} maps ${m.direction} ${m.source}; --record ${match[1]} does not apply`);
      return 2;
    }
    if (!options.readRecord) { w.err('--record needs a connection to Odoo (not available here)'); return 2; }
    try {
      input = await options.readRecord(match[1]!, Number(match[2]), requiredSpec(m));
    } catch (e) {
      w.err(`cannot read ${record} from Odoo: ${(e as Error).message}`);
      return 1;
    }
  }
  if (xrefFile !== undefined) {
    try {
      ctx.xref = xrefFromTable(JSON.parse(await readText(xrefFile)) as XrefTable);
    } catch (e) {
      w.err(`cannot read ${xrefFile}: ${(e as Error).message}`);
      return 2;
    }
  } else if (resolveLookups && m.lookups.length > 0 && !message) {
    ctx.xref = await resolveLookups(collectLookups(m, input, ctx), m);
  }
  const r = runMapping(m, input, ctx);
  if (!r.ok) {
    for (const e of r.errors) w.err(formatRunIssue(e));
    if (r.dropped) w.err(`... and ${r.dropped} more error(s)`);
    return 1;
  }
  w.out(JSON.stringify(r.value, null, 2));
  return 0;
}
