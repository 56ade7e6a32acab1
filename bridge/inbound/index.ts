import client from 'prom-client';
import type express from 'express';
import type { BridgeConfig } from '../config/schema.js';
import type { SecretRef } from '../config/schema.js';
import { BaseConnector } from '../connectors/base-connector.js';
import type { Connector } from '../connectors/connector.js';
import type { TargetHttpClient } from '../connectors/http/http-client.js';
import type { Logger } from '../log/logger.js';
import type { BridgeMetrics } from '../runtime/metrics.js';
import { InboxStore } from '../state/inbox-store.js';
import type { DB } from '../state/state-store.js';
import { startPollers, type PollerHandle } from './pollers.js';
import { InboundPreparer, type MessagePreparer } from './prepare.js';
import { InboxProcessor, type InboundSink } from './processor.js';
import { adminInboxRouter, webhookRouter } from './routes.js';
import { webhookSecretProblem } from './verify.js';
import { ConfigError } from '../errors/index.js';
import { formatBytes, reclaimFreePages } from '../state/state-space.js';

export { InboxProcessor, type InboundSink } from './processor.js';
export { InboundPreparer } from './prepare.js';
export { webhookRouter, adminInboxRouter } from './routes.js';

/** Inbound counters, registered on the sidecar's registry (the inbox depth gauge is BridgeMetrics.inboxDepth). */
export class InboundMetrics {
  readonly received;
  readonly outcomes;
  readonly pollRuns;
  readonly polled;
  readonly pollSuccess;
  readonly pollResyncs;
  constructor(readonly base: BridgeMetrics) {
    this.received = new client.Counter({ name: 'sync_bridge_inbound_received_total', help: 'Inbound webhook deliveries by outcome (stored, duplicate, ignored, invalid, unauthorized)', labelNames: ['source', 'outcome'], registers: [base.registry] });
    this.outcomes = new client.Counter({ name: 'sync_bridge_inbound_messages_total', help: 'Inbox messages by outcome (applied, duplicate, exception, rejected, retry)', labelNames: ['source', 'outcome'], registers: [base.registry] });
    this.pollRuns = new client.Counter({ name: 'sync_bridge_poll_runs_total', help: 'Poll runs per source by outcome (ok, failed)', labelNames: ['source', 'outcome'], registers: [base.registry] });
    this.polled = new client.Counter({ name: 'sync_bridge_poll_messages_total', help: 'Messages polls stored in the inbox (new ones; duplicates of webhooks not counted)', labelNames: ['source'], registers: [base.registry] });
    this.pollSuccess = new client.Gauge({ name: 'sync_bridge_poll_last_success_timestamp_seconds', help: 'When a poll of the source last succeeded (Unix time)', labelNames: ['source'], registers: [base.registry] });
    this.pollResyncs = new client.Counter({ name: 'sync_bridge_poll_resyncs_total', help: 'Event feed reads that resynced by time after the WMS refused the stored cursor (400 invalid_cursor: events purged past its retention; some may be lost)', labelNames: ['source'], registers: [base.registry] });
  }

  /** A poll (scheduled, or run by reconciliation) resynced after an expired feed cursor. */
  readonly onPollResync = (source: string): void => {
    this.pollResyncs.inc({ source });
  };

  /** The pollers' run hook: counts the run, its new messages, and stamps a success. */
  readonly onPollRun = (source: string, outcome: 'ok' | 'failed', report?: { stored: number }): void => {
    this.pollRuns.inc({ source, outcome });
    if (outcome !== 'ok') return;
    this.polled.inc({ source }, report?.stored ?? 0);
    this.pollSuccess.set({ source }, Math.floor(Date.now() / 1000));
  };
}

/** The API client of a target's connector, for the inbound preparers' enrichment reads. */
export function inboundClientOf(connectors: Map<string, Connector>): (code: string) => TargetHttpClient | undefined {
  return (code) => {
    const c = connectors.get(code);
    return c instanceof BaseConnector ? c.http : undefined;
  };
}

export interface InboundDeps {
  config: BridgeConfig;
  /**
   * Prepares inbox messages with the inbound mappings; default: an InboundPreparer of
   * `mappings.dir` built once (app/start.ts passes the live, reloadable set).
   */
  preparer?: MessagePreparer & { count(): number };
  secret: (ref: SecretRef, key: string) => string;
  connectors: Map<string, Connector>;
  sink: InboundSink;
  db: DB;
  metrics: BridgeMetrics;
  log: Logger;
}

/**
 * The inbound side, wired once by app/start.ts: webhook + admin routes, the inbox processor
 * (inbox -> mapping -> Odoo sync_apply) and the pollers.
 */
export class Inbound {
  readonly store: InboxStore;
  readonly processor: InboxProcessor;
  readonly preparer: MessagePreparer & { count(): number };
  private pollers: PollerHandle | undefined;
  private readonly m: InboundMetrics;
  private readonly clientOf: (code: string) => TargetHttpClient | undefined;
  /** Webhook secrets per target code (and webhook_secret_previous during a rotation), resolved at construction. */
  private readonly secrets: Record<string, string> = {};
  private readonly previousSecrets: Record<string, string> = {};

  constructor(private readonly deps: InboundDeps) {
    const { config } = deps;
    const problems: string[] = [];
    for (const [code, t] of Object.entries(config.targets)) {
      if (t.webhook_secret) this.secrets[code] = deps.secret(t.webhook_secret, `targets.${code}.webhook_secret`);
      if (t.webhook_secret && t.webhook_secret_previous) this.previousSecrets[code] = deps.secret(t.webhook_secret_previous, `targets.${code}.webhook_secret_previous`);
      for (const [key, value] of [['webhook_secret', this.secrets[code]], ['webhook_secret_previous', this.previousSecrets[code]]] as const) {
        const problem = value === undefined ? undefined : webhookSecretProblem(t.preset, value);
        if (problem) problems.push(`targets.${code}.${key}: ${problem}`);
      }
    }
    if (problems.length) throw new ConfigError(problems);
    this.store = new InboxStore(deps.db);
    this.m = new InboundMetrics(deps.metrics);
    this.clientOf = inboundClientOf(deps.connectors);
    this.preparer = deps.preparer ?? new InboundPreparer(config.mappings.dir, config.targets, this.clientOf);
    this.processor = new InboxProcessor(this.store, this.preparer, deps.sink, {
      batchSize: config.inbound.batch_size, pollMs: config.inbound.poll_ms,
      backoffBaseMs: config.inbound.backoff_base_ms, backoffMaxMs: config.inbound.backoff_max_ms,
    }, deps.log, {
      onOutcome: (source, outcome, n) => this.m.outcomes.inc({ source, outcome }, n),
      onDepth: (depth) => this.updateDepth(depth),
    });
    this.updateDepth(this.store.depth());
  }

  private readonly seenSources = new Set<string>();
  private updateDepth(depth: Record<string, number>): void {
    for (const s of Object.keys(depth)) this.seenSources.add(s);
    for (const s of this.seenSources) this.deps.metrics.inboxDepth.set({ source: s }, depth[s] ?? 0);
  }

  /** For createServer's `mount` hook. */
  mount(app: express.Express, requireAdmin: express.RequestHandler): void {
    const { config } = this.deps;
    app.use(webhookRouter({
      store: this.store, targets: config.targets, secrets: this.secrets, previousSecrets: this.previousSecrets, maxBodyBytes: config.server.max_body_bytes,
      toleranceSeconds: config.server.webhook_tolerance_seconds, publicUrl: config.server.public_url, log: this.deps.log,
      onStored: () => this.processor.poke(),
      onReceived: (source, outcome) => this.m.received.inc({ source, outcome }),
    }));
    app.use(adminInboxRouter(this.store, requireAdmin, () => this.processor.poke()));
  }

  private purgeTimer: NodeJS.Timeout | undefined;

  start(): void {
    this.processor.start();
    // Applied / duplicate / exception rows older than state.retention_days (rejected ones stay).
    const purge = () => {
      try {
        const n = this.store.purge(this.deps.config.state.retention_days);
        if (n > 0) {
          const freed = reclaimFreePages(this.store.db);
          this.deps.log.info(`inbox: purged ${n} message(s) older than ${this.deps.config.state.retention_days} days${freed > 0 ? `; ${formatBytes(freed)} given back to the disk` : ''}`);
        }
      } catch (err) { this.deps.log.warn(`inbox purge failed: ${err instanceof Error ? err.message : String(err)}`); }
    };
    purge();
    this.purgeTimer = setInterval(purge, 3_600_000);
    this.purgeTimer.unref();
    this.pollers = startPollers(this.deps.config.targets, this.clientOf, this.store, this.deps.log, () => this.processor.poke(), this.m.onPollRun, this.m.onPollResync);
  }

  async stop(): Promise<void> {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    await this.pollers?.stop();
    await this.processor.stop();
  }

  /** Counts a resync of a feed read done outside the pollers (the inventory reconciliation's read). */
  readonly onPollResync = (source: string): void => this.m.onPollResync(source);

  /** For /readyz. */
  status(): string {
    const depth = Object.values(this.store.depth()).reduce((a, b) => a + b, 0);
    return this.processor.lastError ? `${depth} pending, held: ${this.processor.lastError}` : `${depth} pending`;
  }
}
