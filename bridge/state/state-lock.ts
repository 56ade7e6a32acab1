import fs from 'node:fs';
import os from 'node:os';
import { ConfigError } from '../errors/index.js';

/**
 * One running sidecar per state file. Two sidecars on one file would both flush the same
 * write-backs and apply the same inbox rows (Odoo's idempotency would hold, but outcomes and
 * watermarks would interleave): `sync-bridge start` takes `<state.path>.lock` and keeps it fresh.
 * The CLI's inbox and events commands do not take it (SQLite lets them read and write beside a
 * running sidecar).
 *
 * The lock file holds {pid, host, started}; the holder touches it every `refreshMs`. A lock is
 * stale, and taken over with a warning, when its holder is this process's host and pid is gone
 * (or is this very pid: a restarted container is pid 1 again), or when it was not touched for
 * `staleMs` (a holder on another host that died, e.g. a pod rescheduled after SIGKILL).
 */
export interface StateLockOptions {
  /** How often the holder touches the lock file. Default 10 s. */
  refreshMs?: number;
  /** A lock not touched for this long is stale. Default 60 s (six missed refreshes). */
  staleMs?: number;
  host?: string;
  pid?: number;
  now?: () => number;
  /** Whether a process of this host is alive (default: signal 0). */
  alive?: (pid: number) => boolean;
  /**
   * Called once if another sidecar took the lock over (this one looked dead: e.g. a frozen VM
   * that resumed): the caller should stop. The lock is then no longer touched.
   */
  onLost?: (by: Holder | undefined) => void;
}

export interface Holder { pid: number; host: string; started: string }

export interface StateLock {
  readonly file: string;
  /** What the previous holder was when its stale lock was taken over, else undefined. */
  readonly tookOverFrom: Holder | undefined;
  release(): void;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

function readHolder(file: string): { holder: Holder | undefined; touchedAt: number } | undefined {
  let text: string;
  let touchedAt: number;
  try {
    text = fs.readFileSync(file, 'utf8');
    touchedAt = fs.statSync(file).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string') return { holder: { pid: h.pid, host: h.host, started: String(h.started ?? '') }, touchedAt };
  } catch { /* unreadable: judged by its age only */ }
  return { holder: undefined, touchedAt };
}

/** Takes the lock of state file `statePath`, or throws a ConfigError naming who holds it. */
export function acquireStateLock(statePath: string, o: StateLockOptions = {}): StateLock {
  const file = `${statePath}.lock`;
  const host = o.host ?? os.hostname();
  const pid = o.pid ?? process.pid;
  const now = o.now ?? Date.now;
  const alive = o.alive ?? isAlive;
  const staleMs = o.staleMs ?? 60_000;
  const me: Holder = { pid, host, started: new Date(now()).toISOString() };
  let tookOverFrom: Holder | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw e;
    }
    const current = readHolder(file);
    if (!current) continue; // released meanwhile
    const { holder, touchedAt } = current;
    const sameHost = holder?.host === host;
    const stale = now() - touchedAt > staleMs || (holder !== undefined && sameHost && (holder.pid === pid || !alive(holder.pid)));
    if (!stale) {
      const who = holder ? `sidecar pid ${holder.pid} on host ${holder.host} (since ${holder.started})` : 'another sidecar';
      throw new ConfigError([`state.path: ${statePath} is in use by ${who}: each running sidecar needs its own state file (set state.path). If that sidecar is gone, ${file} frees itself ${Math.round(staleMs / 1000)} s after its last refresh, or delete it.`]);
    }
    tookOverFrom = holder ?? { pid: 0, host: 'unknown', started: '' };
    fs.rmSync(file, { force: true });
  }
  const mine = (h: Holder | undefined) => h?.pid === pid && h.host === host && h.started === me.started;
  const timer = setInterval(() => {
    try {
      const current = readHolder(file);
      if (!mine(current?.holder)) {
        clearInterval(timer);
        o.onLost?.(current?.holder);
        return;
      }
      const t = new Date(now());
      fs.utimesSync(file, t, t);
    } catch { /* the next start judges the lock by its age */ }
  }, o.refreshMs ?? 10_000);
  timer.unref();
  return {
    file,
    tookOverFrom,
    release: () => {
      clearInterval(timer);
      if (mine(readHolder(file)?.holder)) fs.rmSync(file, { force: true });
    },
  };
}
