import path from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import client from 'prom-client';
import type { Logger } from 'winston';
import { backupName, backupState, newestBackups, pruneBackups } from './state-backup.js';

/** `state.backup` of the configuration (bridge/config/schema.ts). */
export interface BackupScheduleConfig {
  /** Folder of the copies (state-<UTC time>.sqlite). */
  dir: string;
  /** node-cron expression of the backups. */
  schedule: string;
  /** How many copies to keep in `dir`. */
  keep: number;
}

/**
 * Backups of the state file taken by the running sidecar on a schedule (`state.backup`), the
 * same copy as `sync-bridge state backup --dir` (online, checked, mode 0600), for hosts without a
 * timer of their own (containers). On /metrics: runs by outcome, when the last copy was made and
 * its size; at start the last-success time is read from the newest copy in `dir`, so "no backup
 * for two days" holds across restarts (docs/prometheus/sync-bridge.rules.yaml).
 */
export class ScheduledBackup {
  private readonly runs: client.Counter<'outcome'>;
  private readonly lastSuccess: client.Gauge<'dir'>;
  private readonly lastBytes: client.Gauge<'dir'>;
  private task: ScheduledTask | undefined;
  private running: Promise<'done' | 'failed'> | undefined;
  private readonly labels: { dir: string };

  constructor(
    private readonly statePath: string,
    private readonly config: BackupScheduleConfig,
    private readonly log: Logger,
    registry: client.Registry,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.labels = { dir: config.dir };
    this.runs = new client.Counter({ name: 'sync_bridge_state_backup_runs_total', help: 'Scheduled backups of the state file (state.backup) by outcome (done, failed)', labelNames: ['outcome'], registers: [registry] });
    this.lastSuccess = new client.Gauge({ name: 'sync_bridge_state_backup_last_success_timestamp_seconds', help: 'When the newest backup of the state file in state.backup.dir was made (Unix time); absent before the first one', labelNames: ['dir'], registers: [registry] });
    this.lastBytes = new client.Gauge({ name: 'sync_bridge_state_backup_last_bytes', help: 'Size of the newest backup of the state file', labelNames: ['dir'], registers: [registry] });
    this.observeNewest();
  }

  /** The newest copy already in `dir` (an earlier run of this or another process), if any. */
  private observeNewest(): void {
    let newest;
    try {
      [newest] = newestBackups(this.config.dir, 1);
    } catch {
      return;
    }
    if (!newest) return;
    this.lastSuccess.set(this.labels, Math.floor(newest.modified.getTime() / 1000));
    this.lastBytes.set(this.labels, newest.bytes);
  }

  /** One backup now, then the older copies pruned. Never throws: a failure is logged and counted. */
  runOnce(): Promise<'done' | 'failed'> {
    this.running ??= this.backup().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async backup(): Promise<'done' | 'failed'> {
    const started = this.now();
    const dest = path.join(this.config.dir, backupName(started));
    try {
      const r = await backupState(this.statePath, dest);
      const removed = pruneBackups(this.config.dir, this.config.keep);
      this.runs.inc({ outcome: 'done' });
      this.lastSuccess.set(this.labels, Math.floor(this.now().getTime() / 1000));
      this.lastBytes.set(this.labels, r.bytes);
      this.log.info('state backup done', { file: dest, bytes: r.bytes, ms: this.now().getTime() - started.getTime(), removed: removed.length, keep: this.config.keep });
      return 'done';
    } catch (err) {
      this.runs.inc({ outcome: 'failed' });
      this.log.error(`state backup failed: ${(err as Error).message}`, { file: dest });
      return 'failed';
    }
  }

  /** Starts the schedule (state.backup.schedule). */
  start(): this {
    this.task = cron.schedule(this.config.schedule, () => { this.runOnce().catch(() => undefined); }, { name: 'state-backup', noOverlap: true });
    this.log.info('state backups scheduled', { schedule: this.config.schedule, dir: this.config.dir, keep: this.config.keep });
    return this;
  }

  /** Stops the schedule and waits for a backup in progress. */
  async stop(): Promise<void> {
    await this.task?.stop();
    this.task = undefined;
    await this.running;
  }
}
