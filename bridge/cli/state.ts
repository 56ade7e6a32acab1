import path from 'node:path';
import type { AppContext } from '../app/context.js';
import { ConfigError } from '../errors/index.js';
import { acquireStateLock, type StateLockOptions } from '../state/state-lock.js';
import { backupName, backupState, pruneBackups, restoreState, StateBackupError, type StateFileCheck } from '../state/state-backup.js';
import { compactState, formatBytes, stateSpace, type StateSpace } from '../state/state-space.js';
import { openStateStore } from '../state/state-store.js';

/**
 * `sync-bridge state info`: the state file's size, free space, write-ahead log and vacuum mode,
 *    and its rows per table. Safe beside a running sidecar.
 * `sync-bridge state compact`: rewrites the file (VACUUM) to give free space back to the disk and
 *    switches an older file to incremental vacuum, so the hourly purges give space back from then
 *    on. Needs the sidecar stopped: it takes the state lock and refuses while a sidecar holds it.
 * `sync-bridge state backup (--out <file> | --dir <folder> [--keep N])`: a consistent copy of the
 *    file while the sidecar runs (SQLite online backup), checked, mode 0600; `--dir` names it
 *    state-<UTC stamp>.sqlite and keeps the newest N there (default 7). Exit 0, 1 when it failed.
 * `sync-bridge state restore --from <file>`: puts a backup in place of the state file. Needs the
 *    sidecar stopped (takes the state lock); the current file is moved aside, not deleted.
 */
const USAGE = [
  'usage: sync-bridge state info',
  '       sync-bridge state compact                                  (sidecar stopped)',
  '       sync-bridge state backup (--out <file> | --dir <folder> [--keep N])',
  '       sync-bridge state restore --from <file>                    (sidecar stopped)',
].join('\n') + '\n';

function describe(s: StateSpace): string {
  return `${formatBytes(s.bytes)} (free ${formatBytes(s.freeBytes)}), write-ahead log ${formatBytes(s.walBytes)}, auto_vacuum ${s.autoVacuum}`;
}

export async function runStateCommand(ctx: AppContext, argv: string[], out: NodeJS.WritableStream, lockOptions: StateLockOptions = {}, now = () => new Date()): Promise<number> {
  const [sub, ...rest] = argv;
  const file = ctx.loaded.config.state.path;
  if (sub === 'info' && rest.length === 0) return info(file, out);
  if (sub === 'compact' && rest.length === 0) return withLock('state compact', file, out, lockOptions, () => compact(file, out));
  if (sub === 'backup') {
    const opts = backupArgs(rest);
    if (typeof opts === 'string') { out.write(`state backup: ${opts}\n${USAGE}`); return 2; }
    return backup(file, opts, out, now());
  }
  if (sub === 'restore') {
    if (rest.length !== 2 || rest[0] !== '--from') { out.write(USAGE); return 2; }
    const from = rest[1]!;
    return withLock('state restore', file, out, lockOptions, () => restore(from, file, out));
  }
  out.write(USAGE);
  return 2;
}

/** Runs `fn` holding the state lock; 78 when a sidecar holds it. */
function withLock(what: string, file: string, out: NodeJS.WritableStream, lockOptions: StateLockOptions, fn: () => number): number {
  let lock;
  try {
    lock = acquireStateLock(file, lockOptions);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    out.write(`${what}: ${err.issues.join('; ')}\nStop the sidecar first: ${what} needs the file to itself.\n`);
    return 78;
  }
  try {
    return fn();
  } finally {
    lock.release();
  }
}

function compact(file: string, out: NodeJS.WritableStream): number {
  out.write(`compacting ${file} ...\n`);
  const db = openStateStore(file);
  try {
    const { before, after } = compactState(db);
    out.write(`before: ${describe(before)}\nafter:  ${describe(after)}\n`);
  } finally {
    db.close();
  }
  return 0;
}

interface BackupArgs { out?: string; dir?: string; keep: number }

function backupArgs(argv: string[]): BackupArgs | string {
  const a: BackupArgs = { keep: 7 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined || value.startsWith('--')) return `${flag} needs a value`;
    if (flag === '--out') a.out = value;
    else if (flag === '--dir') a.dir = value;
    else if (flag === '--keep') {
      if (!/^[1-9]\d*$/.test(value)) return `--keep must be a whole number of 1 or more, not '${value}'`;
      a.keep = Number(value);
    } else return `unexpected argument '${flag}'`;
    i += 1;
  }
  if ((a.out === undefined) === (a.dir === undefined)) return 'give either --out <file> or --dir <folder>';
  if (a.out !== undefined && argv.includes('--keep')) return '--keep goes with --dir';
  return a;
}

const rowsLine = (rows: StateFileCheck['rows']) => Object.entries(rows).map(([t, n]) => `${t} ${n}`).join(', ');

async function backup(file: string, a: BackupArgs, out: NodeJS.WritableStream, now: Date): Promise<number> {
  const dest = a.out ?? path.join(a.dir!, backupName(now));
  out.write(`backing up ${file} to ${dest} ...\n`);
  let lastPct = -1;
  try {
    const r = await backupState(file, dest, {
      onProgress: ({ copiedPages, totalPages }) => {
        const pct = totalPages === 0 ? 100 : Math.floor((copiedPages / totalPages) * 100);
        if (totalPages > 1000 && pct !== lastPct) out.write(`  ${copiedPages}/${totalPages} pages (${pct}%)\n`);
        lastPct = pct;
      },
    });
    out.write(`done: ${r.file}, ${formatBytes(r.bytes)}, state schema ${r.schemaVersion}, integrity ok\n  rows: ${rowsLine(r.rows)}\n`);
    if (a.dir) for (const f of pruneBackups(a.dir, a.keep)) out.write(`removed ${f} (keeping the newest ${a.keep})\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof StateBackupError)) throw err;
    out.write(`state backup: ${err.message}\n`);
    return 1;
  }
}

function restore(from: string, file: string, out: NodeJS.WritableStream): number {
  try {
    const r = restoreState(from, file);
    out.write(`restored ${file} from ${r.restoredFrom} (state schema ${r.schemaVersion}; the sidecar brings it up to date at start)\n  rows: ${rowsLine(r.rows)}\n`);
    for (const f of r.movedAside) out.write(`moved the replaced file aside: ${f}\n`);
    out.write('Start the sidecar: what the copy holds that Odoo or the vendors already have (outcomes, inbox messages, polls) is sent again and recognised as already done.\n');
    return 0;
  } catch (err) {
    if (!(err instanceof StateBackupError)) throw err;
    out.write(`state restore: ${err.message}\n`);
    return 1;
  }
}

function info(file: string, out: NodeJS.WritableStream): number {
  const db = openStateStore(file);
  try {
    out.write(`${file}: ${describe(stateSpace(db))}\n`);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>;
    for (const { name } of tables) {
      const { n } = db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number };
      out.write(`  ${name}\t${n} row(s)\n`);
    }
    return 0;
  } finally {
    db.close();
  }
}
