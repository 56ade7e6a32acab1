/**
 * `mappings diff <mapping> [--against <old.yaml>|<version>] (--record <model>:<id>... | --recent N | --input <file.json>... | --inbox-id N...)`:
 * maps the same records with the version the sidecar runs and with the edited file, and prints
 * what changes in each payload, before the edit goes live (`mappings reload`). An outbound
 * mapping maps Odoo records (--record, --recent: the delivery log); an inbound one maps the
 * inbox messages the sidecar received, with the input their mapping saw (inbound-samples.ts).
 */
import {
  collectLookups,
  compileMapping,
  formatIssue,
  formatRunIssue,
  requiredSpec,
  runMapping,
  type CompiledMapping,
  type LookupRequest,
  type MappingContext,
  type RunResult,
  type WebReadSpec,
  type XrefResolver,
} from '../mapping/index.js';
import { consoleWriter, readText, type Writer } from './mappings-files.js';
import { diffPayloads, formatChange } from './payload-diff.js';
import { parseKv } from './mappings-preview.js';
import { inboxSamples, type InboxReads } from './inbound-samples.js';
import { UsageError } from './usage-error.js';

/** A mapping version the sidecar loaded, as kept in its state file. */
export interface KnownVersion {
  version: string;
  file: string;
  source: string;
}

/** A target's run-time context: its `options.vars`, and its sync.link lookups. */
export interface TargetRunContext {
  vars: Record<string, unknown>;
  /** The target's preset (which inbox topics its inbound mappings serve). */
  preset?: string;
  resolveLookups?: (requests: LookupRequest[], mapping: CompiledMapping) => Promise<XrefResolver>;
}

export interface DiffOptions {
  writer?: Writer;
  /** Reads one Odoo record with web_read(spec). Needed for --record and --recent. */
  readRecord?: (model: string, id: number, spec: WebReadSpec) => Promise<unknown>;
  /** The major version of the Odoo records are read from (mappings compile per series); default 18. */
  odooSeries?: () => Promise<number>;
  /** Versions of `file` the sidecar loaded, the live one first (state file). */
  versionsOf?: (file: string) => KnownVersion[];
  /** A loaded version by its hash or a prefix of it ('ambiguous' when the prefix matches two). */
  versionByHash?: (prefix: string) => KnownVersion | 'ambiguous' | undefined;
  /** Records recently delivered with any of `versions`, newest first. */
  recentRecords?: (versions: string[], limit: number) => Array<{ model: string; res_id: number; target: string }>;
  /** The configured target whose mappings folder holds `file`, if any. */
  targetOfFile?: (file: string) => string | undefined;
  /** Run-time context of a configured target, undefined for an unknown code. */
  targetContext?: (code: string) => TargetRunContext | undefined;
  /** Every configured target whose mappings folder holds `file` (an inbound mapping's --recent takes their messages). */
  targetsOfFile?: (file: string) => string[];
  /** The state file's inbox: stored messages with their mapping input (inbound --recent, --inbox-id). */
  inbox?: InboxReads;
}

const USAGE =
  'usage: mappings diff <mapping.yaml> [--against <old.yaml>|<version>] (--record <model>:<id>... | --recent <N> | --input <file.json>... | --inbox-id <N>...) [--target T] [--event E] [--var name=value]... [--now <datetime>] [--max-changes N]';

interface DiffArgs {
  file: string;
  against?: string;
  records: string[];
  inputs: string[];
  inboxIds: number[];
  recent?: number;
  target?: string;
  event?: string;
  now?: string;
  vars: Record<string, unknown>;
  maxChanges: number;
}

function parseArgs(args: string[]): DiffArgs {
  const out: DiffArgs = { file: '', records: [], inputs: [], inboxIds: [], vars: {}, maxChanges: 50 };
  const num = (flag: string, v: string | undefined): number => {
    if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${flag} needs a whole number above 0, got ${v ?? 'nothing'}`);
    return Number(v);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    switch (a) {
      case '--against': out.against = next(); break;
      case '--record': out.records.push(next()); break;
      case '--input': out.inputs.push(next()); break;
      case '--recent': out.recent = num(a, next()); break;
      case '--inbox-id': out.inboxIds.push(num(a, next())); break;
      case '--target': out.target = next(); break;
      case '--event': out.event = next(); break;
      case '--now': out.now = next(); break;
      case '--max-changes': out.maxChanges = num(a, next()); break;
      case '--var': {
        const kv = parseKv(next());
        if (!kv) throw new UsageError('--var needs name=value');
        out.vars[kv[0]] = kv[1];
        break;
      }
      default:
        if (a.startsWith('-') || out.file) throw new UsageError(`unexpected argument ${a}\n${USAGE}`);
        out.file = a;
    }
  }
  if (!out.file) throw new UsageError(USAGE);
  if (out.records.length === 0 && out.inputs.length === 0 && out.recent === undefined && out.inboxIds.length === 0) {
    throw new UsageError(`give the records to map: --record <model>:<id>, --recent <N>, --input <file.json> or (inbound) --inbox-id <N>\n${USAGE}`);
  }
  return out;
}

/** The old side: a file, a stored version, or the version the sidecar runs (default). */
async function oldSource(a: DiffArgs, o: DiffOptions): Promise<{ text: string; label: string }> {
  const against = a.against;
  if (against !== undefined && /^[0-9a-f]{8,64}$/i.test(against)) {
    if (!o.versionByHash) throw new UsageError('--against <version> needs the sidecar\'s state file (not available here)');
    const v = o.versionByHash(against);
    if (v === 'ambiguous') throw new UsageError(`--against ${against}: more than one loaded mapping version starts with it; give more characters`);
    if (!v) throw new UsageError(`--against ${against}: no mapping version starting with it in the state file`);
    return { text: v.source, label: `${v.file}@${v.version.slice(0, 12)} (state file)` };
  }
  if (against !== undefined) {
    try {
      return { text: await readText(against), label: against };
    } catch (e) {
      throw new UsageError(`cannot read ${against}: ${(e as Error).message}`);
    }
  }
  const live = o.versionsOf?.(a.file)[0];
  if (!live) {
    throw new UsageError(`no version of ${a.file} is recorded in the sidecar's state file (state.path) — has the sidecar loaded it? Compare with a file or a version: --against <old.yaml>|<version>`);
  }
  return { text: live.source, label: `${live.file}@${live.version.slice(0, 12)} (the version the sidecar loaded last)` };
}

function compileOrReport(text: string, file: string, series: number | undefined, w: Writer): CompiledMapping | undefined {
  const r = compileMapping(text, file, series === undefined ? {} : { odooSeries: series });
  if (r.ok) return r.mapping;
  for (const i of r.issues) w.err(formatIssue(i));
  return undefined;
}

/**
 * One thing to map: a JSON input, an Odoo record (read once per distinct spec), or a stored
 * inbox message (its input, with its own event, target and meta).
 */
interface Sample {
  label: string;
  input?: unknown;
  record?: { model: string; id: number };
  message?: { event: string; meta: Record<string, unknown>; vars: Record<string, unknown> };
}

/** The targets an inbound mapping's --recent takes messages of: --target, else those whose folder holds the file. */
function inboxTargets(a: DiffArgs, o: DiffOptions): Array<{ code: string; preset: string }> {
  const codes = a.target !== undefined ? [a.target] : (o.targetsOfFile?.(a.file) ?? []);
  return codes.flatMap((code) => {
    const preset = o.targetContext?.(code)?.preset;
    return preset === undefined ? [] : [{ code, preset }];
  });
}

async function samples(a: DiffArgs, m: CompiledMapping, old: CompiledMapping, o: DiffOptions): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const f of a.inputs) {
    try {
      out.push({ label: f, input: JSON.parse(await readText(f)) });
    } catch (e) {
      throw new UsageError(`cannot read ${f} as JSON: ${(e as Error).message}`);
    }
  }
  for (const r of a.records) {
    const match = /^([a-z][a-z0-9_.]*):(\d+)$/.exec(r);
    if (!match) throw new UsageError(`--record expects <model>:<id>, e.g. ${m.source}:42; got ${r}`);
    if (m.direction !== 'outbound' || match[1] !== m.source) throw new UsageError(`${a.file} maps ${m.direction} ${m.source}; --record ${match[1]} does not apply`);
    out.push({ label: r, record: { model: match[1]!, id: Number(match[2]) } });
  }
  if (m.direction === 'inbound' && (a.recent !== undefined || a.inboxIds.length > 0)) {
    const events = [...new Set([...m.events, ...old.events])];
    for (const s of inboxSamples({ file: a.file, events, recent: a.recent, ids: a.inboxIds, targets: inboxTargets(a, o) }, o.inbox)) {
      // As prepare() maps it: its event and meta, its own target's vars (--event and --var win).
      const vars = { ...(o.targetContext?.(s.message.target)?.vars ?? {}), ...a.vars };
      out.push({ label: s.label, input: s.input, message: { event: a.event ?? s.message.event, meta: s.message.meta, vars } });
    }
  } else if (a.inboxIds.length > 0) {
    throw new UsageError(`--inbox-id maps stored inbox messages: ${a.file} is an ${m.direction} mapping (use --record or --recent)`);
  } else if (a.recent !== undefined) {
    if (!o.recentRecords || !o.versionsOf) throw new UsageError('--recent needs the sidecar\'s state file (not available here)');
    const versions = [...new Set([...o.versionsOf(a.file).map((v) => v.version), old.version])];
    const rows = o.recentRecords(versions, a.recent).filter((r) => r.model === m.source);
    if (rows.length === 0) throw new UsageError(`--recent: the state file's delivery log has no record sent with ${a.file} (any version)`);
    for (const r of rows) out.push({ label: `${r.model}:${r.res_id}`, record: { model: r.model, id: r.res_id } });
  }
  if (out.some((s) => s.record) && !o.readRecord) throw new UsageError('--record and --recent need a connection to Odoo (not available here)');
  return out;
}

/** Runs one mapping on one sample: the record read with this mapping's own spec, its links resolved. */
async function runOn(
  m: CompiledMapping, s: Sample, ctx: MappingContext, o: DiffOptions, target: TargetRunContext | undefined,
  reads: Map<string, Promise<unknown>>,
): Promise<RunResult> {
  let input = s.input;
  if (s.record) {
    const spec = requiredSpec(m);
    const key = `${s.label}|${JSON.stringify(spec)}`;
    let read = reads.get(key);
    if (!read) {
      read = o.readRecord!(s.record.model, s.record.id, spec);
      reads.set(key, read);
    }
    input = await read;
  }
  const run: MappingContext = { ...ctx };
  if (s.message) {
    // An inbox message: mapped as prepare() maps it (no sync.link lookups there either).
    return runMapping(m, input, { ...run, ...s.message });
  }
  if (target?.resolveLookups && m.lookups.length > 0) run.xref = await target.resolveLookups(collectLookups(m, input, ctx), m);
  return runMapping(m, input, run);
}

type Outcome = 'unchanged' | 'changed' | 'now failing' | 'now mapping' | 'failing in both';

function report(label: string, before: RunResult, after: RunResult, maxChanges: number, w: Writer): Outcome {
  if (before.ok && after.ok) {
    const d = diffPayloads(before.value, after.value, maxChanges);
    if (d.changes.length === 0) {
      w.out(`${label}: unchanged`);
      return 'unchanged';
    }
    w.out(`${label}: ${d.changes.length}${d.truncated ? '+' : ''} change(s)`);
    for (const c of d.changes) w.out(`  ${formatChange(c)}`);
    if (d.truncated) w.out(`  ... more changes not shown (--max-changes ${maxChanges})`);
    return 'changed';
  }
  if (before.ok && !after.ok) {
    w.out(`${label}: NOW FAILING (the running version maps it)`);
    for (const e of after.errors) w.out(`  ${formatRunIssue(e)}`);
    return 'now failing';
  }
  if (!before.ok && after.ok) {
    w.out(`${label}: now mapping (the running version failed: ${before.errors.map((e) => e.message).slice(0, 2).join('; ')})`);
    return 'now mapping';
  }
  w.out(`${label}: failing in both versions`);
  if (!after.ok) for (const e of after.errors) w.out(`  ${formatRunIssue(e)}`);
  return 'failing in both';
}

async function runDiff(a: DiffArgs, o: DiffOptions, w: Writer): Promise<number> {
  let newText: string;
  try {
    newText = await readText(a.file);
  } catch (e) {
    throw new UsageError(`cannot read ${a.file}: ${(e as Error).message}`);
  }
  const old = await oldSource(a, o);
  // Odoo records compile per Odoo series; inbound mappings map inbox messages (no Odoo read).
  const peek = compileMapping(newText, a.file);
  const inbound = peek.ok && peek.mapping.direction === 'inbound';
  const needsOdoo = !inbound && (a.records.length > 0 || a.recent !== undefined);
  const series = needsOdoo && o.odooSeries ? await o.odooSeries() : undefined;
  const after = compileOrReport(newText, a.file, series, w);
  const before = compileOrReport(old.text, old.label, series, w);
  if (!after || !before) return 1;
  if (before.direction !== after.direction || before.source !== after.source) {
    throw new UsageError(`${old.label} maps ${before.direction} ${before.source}, ${a.file} maps ${after.direction} ${after.source}: nothing to compare`);
  }
  w.out(`old: ${old.label} version ${before.version.slice(0, 12)}`);
  w.out(`new: ${a.file} version ${after.version.slice(0, 12)}${before.version === after.version ? ' (the same version: only comments or layout differ)' : ''}`);

  const targetCode = a.target ?? o.targetOfFile?.(a.file);
  const target = targetCode === undefined ? undefined : o.targetContext?.(targetCode);
  if (a.target !== undefined && !target) throw new UsageError(`--target ${a.target}: no such target in the configuration`);
  const ctx: MappingContext = { vars: { ...(target?.vars ?? {}), ...a.vars }, meta: {}, event: a.event ?? after.events[0] };
  if (a.now !== undefined) ctx.now = a.now;
  if (targetCode !== undefined && target) w.out(`target: ${targetCode} (its vars${target.resolveLookups ? ' and sync.link references' : ''})`);

  const list = await samples(a, after, before, o);
  const reads = new Map<string, Promise<unknown>>();
  const counts = new Map<Outcome, number>();
  for (const s of list) {
    let b: RunResult;
    let n: RunResult;
    try {
      b = await runOn(before, s, ctx, o, target, reads);
      n = await runOn(after, s, ctx, o, target, reads);
    } catch (e) {
      w.err(`${s.label}: cannot read it from Odoo: ${(e as Error).message}`);
      return 1;
    }
    const k = report(s.label, b, n, a.maxChanges, w);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const parts = (['changed', 'unchanged', 'now failing', 'now mapping', 'failing in both'] as const).map((k) => `${counts.get(k) ?? 0} ${k}`);
  w.out(`${list.length} ${list.every((s) => s.message) ? 'message' : 'record'}(s): ${parts.join(', ')}`);
  return (counts.get('now failing') ?? 0) > 0 ? 1 : 0;
}

/**
 * Exit 0: compared (changes are listed, none fails); 1: the new file does not compile, or fails
 * a record the running version maps, or a record could not be read; 2: usage.
 */
export async function mappingsDiff(args: string[], options: DiffOptions = {}): Promise<number> {
  const w = options.writer ?? consoleWriter;
  try {
    return await runDiff(parseArgs(args), options, w);
  } catch (e) {
    if (e instanceof UsageError) {
      w.err(e.message);
      return 2;
    }
    throw e;
  }
}
