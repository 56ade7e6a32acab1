import fs from 'node:fs';
import type { DB } from './state-store.js';

/**
 * Disk space of the state file. Purged rows (delivered write-backs, old delivery-log rows,
 * applied inbox messages) leave free pages that SQLite reuses but never gives back to the disk.
 * Files created by this release use `auto_vacuum = INCREMENTAL`, and the hourly purges return
 * the free pages with `PRAGMA incremental_vacuum` (`reclaimFreePages`). A file created by an
 * older release stays in `auto_vacuum = NONE` until `sync-bridge state compact` rewrites it
 * (a full VACUUM, with the sidecar stopped).
 */

export type AutoVacuumMode = 'none' | 'full' | 'incremental';

const MODES: Record<number, AutoVacuumMode> = { 0: 'none', 1: 'full', 2: 'incremental' };

export interface StateSpace {
  /** Bytes of the database proper (page_count x page_size), not counting the -wal file. */
  bytes: number;
  /** Bytes in free pages (reusable; returned to the disk by incremental vacuum or compact). */
  freeBytes: number;
  /** Bytes of the write-ahead log file, 0 when there is none. */
  walBytes: number;
  autoVacuum: AutoVacuumMode;
}

const num = (db: DB, pragma: string): number => Number(db.pragma(pragma, { simple: true }));

export function stateSpace(db: DB): StateSpace {
  const pageSize = num(db, 'page_size');
  let walBytes = 0;
  if (db.name !== ':memory:') {
    try { walBytes = fs.statSync(`${db.name}-wal`).size; } catch { walBytes = 0; }
  }
  return {
    bytes: num(db, 'page_count') * pageSize,
    freeBytes: num(db, 'freelist_count') * pageSize,
    walBytes,
    autoVacuum: MODES[num(db, 'auto_vacuum')] ?? 'none',
  };
}

/**
 * Returns the free pages to the disk when the file allows it (auto_vacuum = INCREMENTAL);
 * otherwise does nothing. Returns the bytes given back. Cheap when there is nothing to free.
 */
export function reclaimFreePages(db: DB): number {
  if (num(db, 'auto_vacuum') !== 2) return 0;
  const pageSize = num(db, 'page_size');
  const free = num(db, 'freelist_count');
  if (free === 0) return 0;
  db.pragma('incremental_vacuum');
  return (free - num(db, 'freelist_count')) * pageSize;
}

/**
 * Rewrites the file (VACUUM) in auto_vacuum = INCREMENTAL mode and truncates the write-ahead
 * log. Needs exclusive use of the file: the caller holds the state lock (no sidecar running).
 */
export function compactState(db: DB): { before: StateSpace; after: StateSpace } {
  const before = stateSpace(db);
  db.pragma('auto_vacuum = INCREMENTAL');
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { before, after: stateSpace(db) };
}

/** 1536 -> '1.5 KiB'. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u += 1; }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]}`;
}
