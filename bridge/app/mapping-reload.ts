import { randomUUID } from 'node:crypto';
import client from 'prom-client';
import { BridgeError, PermanentError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import type { MappingFileSpec } from '../runtime/mapping-registry.js';
import { setVersions, type LiveMappings, type MappingSet } from './live-mappings.js';

export type ReloadOutcome = 'ok' | 'invalid' | 'error';

/** A mapping file whose version differs between the old and the new set (null: added / removed). */
export interface ReloadChange { file: string; old_version: string | null; new_version: string | null }

export type ReloadResult =
  | { outcome: 'ok'; correlationId: string; changed: ReloadChange[]; unchanged: number }
  | { outcome: 'invalid'; correlationId: string; message: string; problems: string[] }
  | { outcome: 'error'; correlationId: string; message: string }
  | { outcome: 'busy'; correlationId: string; message: string };

/** The last reload that ran to an outcome (for /readyz). */
export interface LastReload { at: number; outcome: ReloadOutcome; trigger: string; correlationId: string; message?: string }

/** Metrics of the live mapping set and its reloads, on the sidecar's registry. */
export class MappingMetrics {
  readonly reloads;
  readonly info;
  readonly lastSuccess;
  readonly lastAt;

  constructor(registry: client.Registry) {
    this.reloads = new client.Counter({ name: 'sync_bridge_mapping_reloads_total', help: 'Mapping reloads by outcome (ok: new set live; invalid: a mapping does not compile or reads a field Odoo lacks, old set kept; error: the check could not run, old set kept)', labelNames: ['outcome'], registers: [registry] });
    for (const outcome of ['ok', 'invalid', 'error']) this.reloads.inc({ outcome }, 0);
    this.info = new client.Gauge({ name: 'sync_bridge_mapping_info', help: 'The live version of each mapping file (value 1)', labelNames: ['file', 'version'], registers: [registry] });
    this.lastSuccess = new client.Gauge({ name: 'sync_bridge_mapping_last_reload_success', help: 'Whether the last mapping reload made the files on disk live (1) or was refused / failed (0); no series before the first reload', registers: [registry] });
    this.lastAt = new client.Gauge({ name: 'sync_bridge_mapping_last_reload_timestamp_seconds', help: 'When the last mapping reload finished (Unix time)', registers: [registry] });
  }

  /** The live versions: one series per file (the replaced set's series are removed). */
  live(versions: Map<string, string>): void {
    this.info.reset();
    for (const [file, version] of versions) this.info.set({ file, version }, 1);
  }

  reloaded(outcome: ReloadOutcome, at: number): void {
    this.reloads.inc({ outcome });
    this.lastSuccess.set(outcome === 'ok' ? 1 : 0);
    this.lastAt.set(Math.floor(at / 1000));
  }
}

export interface ReloadDeps {
  live: LiveMappings;
  /** Loads and compiles the whole mapping directory; throws PermanentError with `details.problems` on any problem. */
  load: () => MappingSet;
  /** The Odoo field check's problems (every field a mapping reads must exist); rejects when Odoo cannot be asked. */
  checkFields: (specs: MappingFileSpec[]) => Promise<string[]>;
  /** Records the new set's versions (MappingStore) before it goes live, for replays pinned to them. */
  remember: (set: MappingSet) => void;
  metrics: MappingMetrics;
  log: Logger;
  now?: () => number;
}

/**
 * Reloads the mappings without a restart (SIGHUP, `POST /admin/mappings/reload`). All or
 * nothing: the whole directory is loaded and compiled, the Odoo field check runs on it, its
 * versions are recorded in the state file, and only then is it swapped in as the live set (the
 * next claim and inbox message use it; deliveries in flight finish with the set they started
 * with). On any problem the live set stays, each problem is logged on its own line and
 * returned. One reload at a time: another request while one runs is refused ('busy').
 */
export class MappingReloader {
  private running = false;
  last: LastReload | undefined;

  constructor(private readonly deps: ReloadDeps) {
    deps.metrics.live(setVersions(deps.live.current()));
  }

  async reload(trigger: string, correlationId: string = randomUUID()): Promise<ReloadResult> {
    const log = this.deps.log.child({ correlationId, trigger });
    if (this.running) {
      log.warn('mappings reload refused: a reload is already running');
      return { outcome: 'busy', correlationId, message: 'a mapping reload is already running' };
    }
    this.running = true;
    try {
      const result = await this.attempt(correlationId);
      this.finish(trigger, result, log);
      return result;
    } finally {
      this.running = false;
    }
  }

  private async attempt(correlationId: string): Promise<Exclude<ReloadResult, { outcome: 'busy' }>> {
    const { deps } = this;
    let next: MappingSet;
    try {
      next = deps.load();
    } catch (err) {
      const problems = problemList(err);
      if (problems) return { outcome: 'invalid', correlationId, message: `${problems.length} problem(s) in the mappings; the previous mappings stay live`, problems };
      return { outcome: 'error', correlationId, message: `loading the mappings failed: ${messageOf(err)}; the previous mappings stay live` };
    }
    try {
      const problems = await deps.checkFields(next.registry.specsByFile());
      if (problems.length > 0) return { outcome: 'invalid', correlationId, message: `${problems.length} field(s) the mappings read are missing in Odoo; the previous mappings stay live`, problems };
    } catch (err) {
      return { outcome: 'error', correlationId, message: `the Odoo field check could not run: ${messageOf(err)}${err instanceof BridgeError && err.retryable ? ' (try again when Odoo answers)' : ''}; the previous mappings stay live` };
    }
    try {
      deps.remember(next);
    } catch (err) {
      return { outcome: 'error', correlationId, message: `recording the mapping versions in the state file failed: ${messageOf(err)}; the previous mappings stay live` };
    }
    const before = setVersions(deps.live.current());
    deps.live.swap(next);
    const after = setVersions(next);
    deps.metrics.live(after);
    return { outcome: 'ok', correlationId, ...diffVersions(before, after) };
  }

  private finish(trigger: string, r: Exclude<ReloadResult, { outcome: 'busy' }>, log: Logger): void {
    const at = (this.deps.now ?? Date.now)();
    this.deps.metrics.reloaded(r.outcome, at);
    this.last = { at, outcome: r.outcome, trigger, correlationId: r.correlationId, ...(r.outcome === 'ok' ? {} : { message: r.message }) };
    if (r.outcome === 'ok') {
      log.info('mappings reloaded', { changed: r.changed, unchanged: r.unchanged });
      return;
    }
    if (r.outcome === 'invalid') for (const p of r.problems) log.error(p, { reload: 'refused' });
    log.error(`mappings reload refused: ${r.message}`, { outcome: r.outcome });
  }
}

/** Files whose version changed, appeared or disappeared, and how many stayed the same. */
export function diffVersions(before: Map<string, string>, after: Map<string, string>): { changed: ReloadChange[]; unchanged: number } {
  const changed: ReloadChange[] = [];
  let unchanged = 0;
  for (const file of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const o = before.get(file) ?? null;
    const n = after.get(file) ?? null;
    if (o === n) unchanged++;
    else changed.push({ file, old_version: o, new_version: n });
  }
  return { changed, unchanged };
}

function problemList(err: unknown): string[] | undefined {
  if (!(err instanceof PermanentError) || err.category !== 'mapping') return undefined;
  const p = err.details.problems;
  return Array.isArray(p) && p.length > 0 ? p.map(String) : [err.message];
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
