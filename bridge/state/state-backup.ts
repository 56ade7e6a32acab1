import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

/**
 * Copies of the sidecar's state file, and putting one back.
 *
 * `backupState` uses SQLite's online backup (better-sqlite3 `backup()`): a consistent copy while
 * the sidecar runs and writes, page by page, with progress. The copy is written next to its
 * destination as `<dest>.partial`, made one self-contained file (rollback journal mode, no -wal),
 * checked (`PRAGMA integrity_check`) and renamed into place, mode 0600 (it holds inbound message bodies and, with `state.log_payloads`, payloads). The
 * source is opened read-only: a backup never migrates or otherwise writes the live file.
 *
 * `restoreState` puts a copy back in place of the live file: the caller holds the state lock (no
 * sidecar running). The copy must pass the integrity check and must not come from a newer
 * sidecar (schema version above this one's); the current file and its -wal / -shm files are
 * moved aside, never deleted.
 */

export class StateBackupError extends Error {
  override readonly name = 'StateBackupError';
}

export interface BackupProgress { copiedPages: number; totalPages: number }

export interface BackupResult { file: string; bytes: number; schemaVersion: number; rows: Record<string, number> }

/** What a state file holds: its schema version, rows per table, and problems of its integrity check. */
export interface StateFileCheck { schemaVersion: number; rows: Record<string, number>; problems: string[] }

/** Opens `file` read-only and checks it: integrity, schema version, rows per table. */
export function checkStateFile(file: string): StateFileCheck {
  if (!fs.existsSync(file)) throw new StateBackupError(`${file}: no such file`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new StateBackupError(`${file}: not a state file SQLite can open (${(err as Error).message})`);
  }
  try {
    let problems: string[];
    try {
      problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).filter((m) => m !== 'ok');
    } catch (err) {
      return { schemaVersion: -1, rows: {}, problems: [(err as Error).message] };
    }
    const schemaVersion = Number(db.pragma('user_version', { simple: true }));
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>;
    const rows: Record<string, number> = {};
    for (const { name } of tables) rows[name] = (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
    return { schemaVersion, rows, problems };
  } finally {
    db.close();
  }
}

/**
 * A consistent copy of the state file `source` at `dest` (which must not exist). `onProgress`
 * sees each step of about `pagesPerStep` pages.
 */
export async function backupState(source: string, dest: string, opts: { onProgress?: (p: BackupProgress) => void; pagesPerStep?: number } = {}): Promise<BackupResult> {
  if (!fs.existsSync(source)) throw new StateBackupError(`state.path ${source}: no such file (nothing to back up)`);
  if (fs.existsSync(dest)) throw new StateBackupError(`${dest}: already exists (choose another name, or remove it first)`);
  fs.mkdirSync(path.dirname(path.resolve(dest)), { recursive: true, mode: 0o700 });
  const partial = `${dest}.partial`;
  fs.rmSync(partial, { force: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        opts.onProgress?.({ copiedPages: totalPages - remainingPages, totalPages });
        return opts.pagesPerStep ?? 1000;
      },
    });
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw new StateBackupError(`backup of ${source} failed: ${(err as Error).message}`);
  } finally {
    db.close();
  }
  fs.chmodSync(partial, 0o600);
  // One self-contained file: the copy leaves WAL mode (the sidecar sets it again when it opens a
  // restored file), so no -wal / -shm file belongs to it.
  const copy = new Database(partial);
  try { copy.pragma('journal_mode = DELETE'); } finally { copy.close(); }
  const check = checkStateFile(partial);
  if (check.problems.length > 0) {
    fs.rmSync(partial, { force: true });
    throw new StateBackupError(`the copy of ${source} fails its integrity check: ${check.problems.slice(0, 5).join('; ')}`);
  }
  fs.renameSync(partial, dest);
  const stat = fs.statSync(dest);
  return { file: dest, bytes: stat.size, schemaVersion: check.schemaVersion, rows: check.rows };
}

export interface RestoreResult { restoredFrom: string; movedAside: string[]; schemaVersion: number; rows: Record<string, number> }

/**
 * Puts the copy `from` in place of the state file `target` (the caller holds the state lock).
 * The current file, with its -wal and -shm files, is moved to `<target>.replaced-<stamp>`.
 */
export function restoreState(from: string, target: string, now: Date = new Date()): RestoreResult {
  const check = checkStateFile(from);
  if (check.problems.length > 0) throw new StateBackupError(`${from} fails its integrity check: ${check.problems.slice(0, 5).join('; ')}`);
  if (check.schemaVersion > MIGRATIONS.length) {
    throw new StateBackupError(`${from} was written by a newer sidecar (state schema ${check.schemaVersion}; this one knows up to ${MIGRATIONS.length}): restore it with that release`);
  }
  if (path.resolve(from) === path.resolve(target)) throw new StateBackupError(`${from} is the state file itself`);
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const movedAside: string[] = [];
  for (const suffix of ['', '-wal', '-shm']) {
    const f = `${target}${suffix}`;
    if (!fs.existsSync(f)) continue;
    const aside = `${target}.replaced-${stamp}${suffix}`;
    fs.renameSync(f, aside);
    movedAside.push(aside);
  }
  fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  fs.copyFileSync(from, `${target}.restoring`);
  fs.chmodSync(`${target}.restoring`, 0o600);
  fs.renameSync(`${target}.restoring`, target);
  return { restoredFrom: from, movedAside, schemaVersion: check.schemaVersion, rows: check.rows };
}

/**
 * Keeps the newest `keep` backups named `state-<stamp>.sqlite` in `dir` (as `backupState` names
 * them for `--dir`), removes the older ones; returns the removed files.
 */
export function pruneBackups(dir: string, keep: number): string[] {
  const files = backupNames(dir);
  const old = files.slice(0, Math.max(0, files.length - keep));
  for (const f of old) fs.rmSync(path.join(dir, f));
  return old.map((f) => path.join(dir, f));
}

/** The name of a backup taken at `now` in a backup folder: state-20261123T041500Z.sqlite. */
export function backupName(now: Date): string {
  return `state-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.sqlite`;
}

const BACKUP_NAME = /^state-\d{8}T\d{6}Z\.sqlite$/;

/** The backups in `dir` (names as `backupName` makes them), oldest first; none when `dir` does not exist. */
export function backupNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => BACKUP_NAME.test(f)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The newest `n` backups in `dir`, newest first: file, size, modification time. */
export function newestBackups(dir: string, n: number): Array<{ file: string; bytes: number; modified: Date }> {
  return backupNames(dir).slice(-n).reverse().map((f) => {
    const st = fs.statSync(path.join(dir, f));
    return { file: path.join(dir, f), bytes: st.size, modified: st.mtime };
  });
}
