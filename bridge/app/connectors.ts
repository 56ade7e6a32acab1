import type { TargetConfig } from '../config/schema.js';
import { BaseConnector, createConnector, type ConnectorHooks } from '../connectors/index.js';
import type { Connector, SecretResolver } from '../connectors/connector.js';
import type { BridgeMetrics } from '../runtime/metrics.js';
import type { QuotaStore } from '../state/quota-store.js';

/**
 * The connector of every configured target, for `sync-bridge start`: each HTTP exchange feeds
 * the per-target HTTP metrics (sync_bridge_http_requests_total, _request_duration_seconds);
 * `hooks` adds the logger of quota crossings and the quota observations' recorder.
 * Secrets are resolved now: a missing one throws ConfigError at start.
 */
export function createTargetConnectors(targets: Record<string, TargetConfig>, secret: SecretResolver, metrics: BridgeMetrics, hooks: Pick<ConnectorHooks, 'log' | 'onQuota'> = {}): Map<string, Connector> {
  const connectors = new Map<string, Connector>();
  for (const [code, target] of Object.entries(targets)) {
    connectors.set(code, createConnector(code, target, secret, { onExchange: metrics.observeExchange, ...hooks }));
  }
  return connectors;
}

/**
 * Gives each connector the quota observations kept in the state file (by this or another
 * process): a restarted sidecar or a CLI reconciliation knows at once that a target is below
 * its reserve. Observations of targets no longer configured are left alone.
 */
export function restoreQuota(connectors: Iterable<Connector>, store: QuotaStore): void {
  for (const c of connectors) {
    if (c instanceof BaseConnector) c.http.quota.restore(store.forTarget(c.code));
  }
}
