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
 * Every outbound mapping source the sidecar has loaded, by version hash (sha256 of the
 * normalised mapping, as sent to Odoo in `mapping_version`). Written at start; read when an
 * event is replayed with the mapping version it was sent with. Never purged: a version is a
 * few kilobytes and a replay may come long after the mapping changed.
 */
export class MappingStore {
  private readonly upsert;
  private readonly byVersion;

  constructor(db: DB, private readonly now: () => number = Date.now) {
    this.upsert = db.prepare(`INSERT INTO mapping_source (version, file, system, source, first_loaded_at, last_loaded_at)
      VALUES (@version, @file, @system, @source, @at, @at)
      ON CONFLICT (version) DO UPDATE SET last_loaded_at = excluded.last_loaded_at, file = excluded.file`);
    this.byVersion = db.prepare('SELECT version, file, system, source, first_loaded_at, last_loaded_at FROM mapping_source WHERE version = ?');
  }

  /** Records a loaded mapping (idempotent: a known version only gets its last load time). */
  remember(m: { version: string; file: string; system: string; source: string }): void {
    this.upsert.run({ ...m, at: this.now() });
  }

  get(version: string): StoredMapping | undefined {
    return this.byVersion.get(version) as StoredMapping | undefined;
  }
}
