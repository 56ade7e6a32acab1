import path from 'node:path';
import type { DB } from './state-store.js';

export interface StoredMapping {
  version: string;
  file: string;
  system: string;
  source: string;
  first_loaded_at: number;
  last_loaded_at: number;
}

/**
 * Every mapping source the sidecar has loaded, by version hash (sha256 of the normalised
 * mapping, as sent to Odoo in `mapping_version`): outbound ones, and inbound ones since
 * migration 6. Written at start and on each reload; read when an event is replayed with the
 * mapping version it was sent with, and as the old side of `mappings diff`. Never purged: a version is a
 * few kilobytes and a replay may come long after the mapping changed.
 */
export class MappingStore {
  private readonly upsert;
  private readonly byVersion;
  private readonly byPrefix;
  private readonly all;

  constructor(db: DB, private readonly now: () => number = Date.now) {
    this.upsert = db.prepare(`INSERT INTO mapping_source (version, file, system, source, first_loaded_at, last_loaded_at)
      VALUES (@version, @file, @system, @source, @at, @at)
      ON CONFLICT (version) DO UPDATE SET last_loaded_at = excluded.last_loaded_at, file = excluded.file`);
    this.byVersion = db.prepare('SELECT version, file, system, source, first_loaded_at, last_loaded_at FROM mapping_source WHERE version = ?');
    this.byPrefix = db.prepare("SELECT version, file, system, source, first_loaded_at, last_loaded_at FROM mapping_source WHERE version >= ? AND version < ? || 'g' LIMIT 2");
    this.all = db.prepare('SELECT version, file, system, source, first_loaded_at, last_loaded_at FROM mapping_source ORDER BY last_loaded_at DESC, first_loaded_at DESC');
  }

  /** Records a loaded mapping (idempotent: a known version only gets its last load time). */
  remember(m: { version: string; file: string; system: string; source: string }): void {
    this.upsert.run({ ...m, at: this.now() });
  }

  get(version: string): StoredMapping | undefined {
    return this.byVersion.get(version) as StoredMapping | undefined;
  }

  /**
   * The version whose hash starts with `prefix` (hex, as printed by status and events list),
   * 'ambiguous' when two do, undefined when none.
   */
  byHashPrefix(prefix: string): StoredMapping | 'ambiguous' | undefined {
    const p = prefix.toLowerCase();
    const rows = this.byPrefix.all(p, p) as StoredMapping[];
    return rows.length > 1 ? 'ambiguous' : rows[0];
  }

  /**
   * Every version loaded from `file`, the most recently loaded first (so the first is the one
   * the sidecar runs, unless the file was edited since). The file is matched by its resolved
   * path, else (the sidecar may run from another folder) by its last two path segments
   * (`shipbob/order_release.yaml`).
   */
  versionsOf(file: string): StoredMapping[] {
    const rows = this.all.all() as StoredMapping[];
    const want = path.resolve(file);
    const exact = rows.filter((r) => path.resolve(r.file) === want);
    if (exact.length > 0) return exact;
    const tail = (f: string) => f.split(/[\\/]+/).slice(-2).join('/');
    return rows.filter((r) => tail(r.file) === tail(file));
  }
}
