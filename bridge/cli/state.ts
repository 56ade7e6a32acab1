import type { AppContext } from '../app/context.js';
import { ConfigError } from '../errors/index.js';
import { acquireStateLock, type StateLockOptions } from '../state/state-lock.js';
import { compactState, formatBytes, stateSpace, type StateSpace } from '../state/state-space.js';
import { openStateStore } from '../state/state-store.js';

/**
 * `sync-bridge state info`: the state file's size, free space, write-ahead log and vacuum mode,
 *    and its rows per table. Safe beside a running sidecar.
 * `sync-bridge state compact`: rewrites the file (VACUUM) to give free space back to the disk and
 *    switches an older file to incremental vacuum, so the hourly purges give space back from then
 *    on. Needs the sidecar stopped: it takes the state lock and refuses while a sidecar holds it.
 */
const USAGE = 'usage: sync-bridge state info | state compact\n';

function describe(s: StateSpace): string {
  return `${formatBytes(s.bytes)} (free ${formatBytes(s.freeBytes)}), write-ahead log ${formatBytes(s.walBytes)}, auto_vacuum ${s.autoVacuum}`;
}

export async function runStateCommand(ctx: AppContext, argv: string[], out: NodeJS.WritableStream, lockOptions: StateLockOptions = {}): Promise<number> {
  const [sub, ...rest] = argv;
  if ((sub !== 'info' && sub !== 'compact') || rest.length > 0) { out.write(USAGE); return 2; }
  const file = ctx.loaded.config.state.path;
  if (sub === 'info') return info(file, out);
  let lock;
  try {
    lock = acquireStateLock(file, lockOptions);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    out.write(`state compact: ${err.issues.join('; ')}\nStop the sidecar first: compaction needs the file to itself.\n`);
    return 78;
  }
  try {
    out.write(`compacting ${file} ...\n`);
    const db = openStateStore(file);
    try {
      const { before, after } = compactState(db);
      out.write(`before: ${describe(before)}\nafter:  ${describe(after)}\n`);
    } finally {
      db.close();
    }
    return 0;
  } finally {
    lock.release();
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
