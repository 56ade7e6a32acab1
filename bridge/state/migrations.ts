/**
 * Schema of the sidecar's SQLite file, as ordered migrations. Each runs once, in a transaction;
 * `PRAGMA user_version` records how far the file is. Never edit a shipped migration: add one.
 */
export const MIGRATIONS: string[] = [
  // 1: write-backs to Odoo (acks and nacks) kept until Odoo accepted them.
  `CREATE TABLE writeback (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL CHECK (kind IN ('ack', 'nack')),
     event_id INTEGER NOT NULL,
     target TEXT NOT NULL,
     body TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     tries INTEGER NOT NULL DEFAULT 0,
     last_error TEXT,
     done_at INTEGER,
     outcome TEXT
   );
   CREATE INDEX writeback_open ON writeback (seq) WHERE done_at IS NULL;
   CREATE TABLE delivery_log (
     event_id INTEGER NOT NULL,
     attempt INTEGER NOT NULL,
     target TEXT NOT NULL,
     event_type TEXT NOT NULL,
     model TEXT NOT NULL,
     res_id INTEGER NOT NULL,
     idempotency_key TEXT NOT NULL,
     correlation_id TEXT NOT NULL,
     mapping_version TEXT,
     payload TEXT,
     outcome TEXT NOT NULL,
     error_class TEXT,
     error_message TEXT,
     external_ref TEXT,
     at INTEGER NOT NULL,
     PRIMARY KEY (event_id, attempt)
   );
   CREATE INDEX delivery_log_outcome ON delivery_log (outcome, at);`,
  // 2: the inbox of inbound messages (webhooks and polls), kept before the 2xx answer and applied
  // to Odoo in arrival order per source; watermarks of polling sources.
  `CREATE TABLE inbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     source TEXT NOT NULL,
     message_id TEXT NOT NULL,
     delivery_id TEXT,
     preset TEXT NOT NULL,
     topic TEXT NOT NULL,
     via TEXT NOT NULL CHECK (via IN ('webhook', 'poll')),
     body TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'applied', 'duplicate', 'exception', 'rejected')),
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL DEFAULT 0,
     last_error TEXT,
     kind TEXT,
     payload TEXT,
     result TEXT,
     trace_id TEXT,
     done_at INTEGER,
     replays INTEGER NOT NULL DEFAULT 0,
     apply_id TEXT
   );
   CREATE UNIQUE INDEX inbox_message ON inbox (source, message_id);
   CREATE UNIQUE INDEX inbox_delivery ON inbox (source, delivery_id) WHERE delivery_id IS NOT NULL;
   CREATE INDEX inbox_pending ON inbox (source, id) WHERE state = 'pending';
   CREATE INDEX inbox_state ON inbox (state, id);
   CREATE TABLE poll_watermark (
     source TEXT NOT NULL,
     name TEXT NOT NULL,
     value TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (source, name)
   );`,
  // 3: the delivery log gets its own row id (a replayed event starts its attempts again, so
  // (event_id, attempt) is not unique; nothing wrote the table before, its rows are kept), and
  // the source of every outbound mapping the sidecar has loaded, by version hash, so that an
  // event can be replayed with the mapping version it was sent with.
  `CREATE TABLE delivery_log_v3 (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     event_id INTEGER NOT NULL,
     attempt INTEGER NOT NULL,
     target TEXT NOT NULL,
     event_type TEXT NOT NULL,
     model TEXT NOT NULL,
     res_id INTEGER NOT NULL,
     idempotency_key TEXT NOT NULL,
     correlation_id TEXT NOT NULL,
     mapping_version TEXT,
     payload TEXT,
     outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'failed', 'dead')),
     error_class TEXT,
     error_message TEXT,
     external_ref TEXT,
     at INTEGER NOT NULL
   );
   INSERT INTO delivery_log_v3 (event_id, attempt, target, event_type, model, res_id, idempotency_key, correlation_id,
                                mapping_version, payload, outcome, error_class, error_message, external_ref, at)
     SELECT event_id, attempt, target, event_type, model, res_id, idempotency_key, correlation_id,
            mapping_version, payload, outcome, error_class, error_message, external_ref, at
       FROM delivery_log ORDER BY at;
   DROP TABLE delivery_log;
   ALTER TABLE delivery_log_v3 RENAME TO delivery_log;
   CREATE INDEX delivery_log_at ON delivery_log (at);
   CREATE INDEX delivery_log_outcome ON delivery_log (outcome, at);
   CREATE INDEX delivery_log_target ON delivery_log (target, at);
   CREATE INDEX delivery_log_event ON delivery_log (event_id);
   CREATE TABLE mapping_source (
     version TEXT PRIMARY KEY,
     file TEXT NOT NULL,
     system TEXT NOT NULL,
     source TEXT NOT NULL,
     first_loaded_at INTEGER NOT NULL,
     last_loaded_at INTEGER NOT NULL
   );`,
  // 4: an operator may discard a rejected inbox message (junk, or handled by hand): it is kept
  // with who-knows-why until the retention purges it, instead of forever.
  `ALTER TABLE inbox ADD COLUMN discarded_at INTEGER;
   ALTER TABLE inbox ADD COLUMN discard_reason TEXT;`,
  // 5: the latest API quota observation per target and window (burst / daily), as the targets'
  // answers reported it: sync-bridge status shows it, and a restarted sidecar or a CLI
  // reconciliation starts from it (the quota reserve holds across processes).
  `CREATE TABLE quota_observation (
     target TEXT NOT NULL,
     quota_window TEXT NOT NULL CHECK (quota_window IN ('burst', 'daily')),
     remaining INTEGER NOT NULL,
     quota_limit INTEGER,
     interval_ms INTEGER,
     observed_at INTEGER NOT NULL,
     PRIMARY KEY (target, quota_window)
   );`,
  // 6: the mapping input of each prepared inbox message (the message as shaped and enriched with
  // vendor reads for its inbound mapping), so that `mappings diff` maps what the sidecar saw
  // again without reading the vendor. NULL for messages prepared before this migration.
  `ALTER TABLE inbox ADD COLUMN input TEXT;`,
];
