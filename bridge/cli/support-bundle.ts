import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppContext } from '../app/context.js';
import { readVersions } from '../app/versions-report.js';
import type { SecretRef } from '../config/schema.js';
import { compileMapping, formatIssue } from '../mapping/index.js';
import { OdooContract } from '../odoo/contract.js';
import { DeliveryLog } from '../state/delivery-log.js';
import { InboxStore } from '../state/inbox-store.js';
import { MappingStore } from '../state/mapping-store.js';
import { newestBackups } from '../state/state-backup.js';
import { stateSpace } from '../state/state-space.js';
import { openStateStore, type DB } from '../state/state-store.js';
import { sidecarVersion } from '../version.js';
import { findMappingFiles, readText } from './mappings-files.js';
import { storedQuota } from './status.js';

/**
 * `sync-bridge support-bundle [--out FILE]`: one JSON file with what a support engineer asks for
 * first, collected section by section (a section that fails records its error and the others go
 * on): versions on each side, the configuration (secret references, never values), the names of
 * the environment variables set (not their values), Odoo's queue figures, the state file's size
 * and rows, the latest delivery failures and inbox rejections (errors and ids: no payloads,
 * bodies or mapping inputs), the mapping files with their live versions and problems, the last
 * quota observations, and the running sidecar's /readyz. Every secret the configuration refers
 * to is resolved only to be scrubbed from the whole text before it is written.
 */
const USAGE = 'usage: sync-bridge support-bundle [--out <file.json>]\n';
const ENV_PREFIXES = ['ODOO_', 'BRIDGE_', 'LOG_', 'NODE_'];

type Section = () => unknown;

export async function runSupportBundle(ctx: AppContext, argv: string[], out: NodeJS.WritableStream, now = new Date()): Promise<number> {
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) file = argv[++i];
    else { out.write(`support-bundle: unexpected argument '${argv[i]}'\n${USAGE}`); return 2; }
  }
  file ??= `sync-bridge-support-${os.hostname()}-${now.toISOString().replace(/[:.]/g, '-')}.json`;
  registerSecrets(ctx);
  const { config } = ctx.loaded;
  const state = config.state.path === ':memory:' || !fs.existsSync(config.state.path) ? undefined : openStateStore(config.state.path);
  const sections: Array<[string, Section | (() => Promise<unknown>)]> = [
    ['about', () => ({ generated_at: now.toISOString(), host: os.hostname(), sidecar: sidecarVersion(), node: process.version, platform: `${os.platform()} ${os.release()} ${os.arch()}` })],
    ['config', () => ({ source: ctx.loaded.source, worker_id: ctx.loaded.workerId, values: withoutUserinfo(config) })],
    ['environment_variables_set', () => Object.keys(process.env).filter((k) => ENV_PREFIXES.some((p) => k.startsWith(p))).sort()],
    ['versions', () => readVersions(ctx.odoo, config)],
    ['odoo_queue', () => new OdooContract(ctx.odoo).statusSummary()],
    ['state_file', () => need(state, config.state.path, stateFile)],
    ['state_backups', () => stateBackups(config.state.backup?.dir)],
    ['delivery_failures', () => need(state, config.state.path, deliveryFailures)],
    ['inbox', () => need(state, config.state.path, inbox)],
    ['mappings', () => mappings(config.mappings.dir, state)],
    ['quota', () => storedQuota(config, now.getTime())],
    ['sidecar_readyz', () => readyz(config.server.host, config.server.port)],
  ];
  const bundle: Record<string, unknown> = {};
  try {
    for (const [name, section] of sections) {
      out.write(`collecting ${name} ...`);
      try {
        bundle[name] = await section();
        out.write(' ok\n');
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        bundle[name] = { error: message };
        out.write(` failed: ${ctx.redactor.redactString(message)}\n`);
      }
    }
  } finally {
    state?.close();
  }
  const text = ctx.redactor.redactString(`${JSON.stringify(bundle, null, 2)}\n`);
  fs.writeFileSync(file, text, { mode: 0o600 });
  out.write(`wrote ${path.resolve(file)} (${text.length} bytes; secrets scrubbed, no payloads or message bodies). Read it before you send it.\n`);
  return 0;
}

/** Resolves every secret reference of the configuration, so the redactor knows each value. */
function registerSecrets(ctx: AppContext): void {
  const walk = (v: unknown, key: string, depth: number): void => {
    if (v === null || typeof v !== 'object' || depth > 8) return;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && (typeof o.env === 'string' || typeof o.secret === 'string')) {
      try { ctx.loaded.secret(o as SecretRef, key); } catch { /* not set: nothing to scrub */ }
      return;
    }
    for (const k of keys) walk(o[k], key ? `${key}.${k}` : k, depth + 1);
  };
  walk(ctx.loaded.config, '', 0);
}

/** The configuration with user:password@ taken out of every URL. */
function withoutUserinfo(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/i, '$1[userinfo removed]@');
  if (Array.isArray(v)) return v.map(withoutUserinfo);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutUserinfo(x)]));
  return v;
}

function need<T>(db: DB | undefined, file: string, fn: (db: DB) => T): T {
  if (!db) throw new Error(`no state file at ${file}`);
  return fn(db);
}

/** The newest copies the sidecar made (state.backup), or that it makes none. */
function stateBackups(dir: string | undefined): unknown {
  if (dir === undefined) return { scheduled: false, note: 'state.backup is not set (a timer on the host may run `sync-bridge state backup`)' };
  return { scheduled: true, dir, newest: newestBackups(dir, 3).map((b) => ({ file: b.file, bytes: b.bytes, modified: b.modified.toISOString() })) };
}

function stateFile(db: DB): unknown {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>;
  const rows: Record<string, number> = {};
  for (const { name } of tables) rows[name] = (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
  return { space: stateSpace(db), rows };
}

/** The latest 100 attempts that did not deliver: outcome, error and ids, never the payload. */
function deliveryFailures(db: DB): unknown {
  const log = new DeliveryLog(db);
  const rows = (['retry', 'failed', 'dead'] as const).flatMap((outcome) => log.list({ outcome, limit: 100 }));
  return rows.sort((a, b) => b.at - a.at).slice(0, 100).map(({ payload: _payload, ...r }) => ({ ...r, at: new Date(r.at).toISOString() }));
}

/** Messages per source and state, and the latest 50 rejections (reason and ids; no body or input). */
function inbox(db: DB): unknown {
  const store = new InboxStore(db);
  return {
    counts: store.counts(),
    rejected: store.list({ state: 'rejected', limit: 50 }).map((r) => ({
      id: r.id, source: r.source, topic: r.topic, via: r.via, message_id: r.message_id, received_at: new Date(r.received_at).toISOString(),
      attempts: r.attempts, replays: r.replays, last_error: r.last_error, discarded: r.discarded_at !== null, trace_id: r.trace_id,
    })),
  };
}

/** Each mapping file, the version the sidecar last loaded (state file), and the problems the folder has now. */
async function mappings(dir: string, db: DB | undefined): Promise<unknown> {
  const store = db ? new MappingStore(db) : undefined;
  const files: unknown[] = [];
  const problems: string[] = [];
  for (const file of await findMappingFiles(dir)) {
    const r = compileMapping(await readText(file), file);
    if (!r.ok) problems.push(...r.issues.map(formatIssue));
    files.push({ file, version: r.ok ? r.mapping.version : null, loaded_by_sidecar: store?.versionsOf(file)[0]?.version ?? null });
  }
  return { dir, files, problems };
}

async function readyz(host: string, port: number): Promise<unknown> {
  if (port === 0) return { skipped: 'server.port is 0 (a random port): the running sidecar cannot be found' };
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}/readyz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return { url, status: res.status, body: (await res.json()) as unknown };
  } catch (err) {
    return { url, unreachable: err instanceof Error ? err.message : String(err) };
  }
}
