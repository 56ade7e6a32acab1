import type { TargetConfig } from '../config/schema.js';
import { createConnector } from '../connectors/index.js';
import type { Connector, SecretResolver } from '../connectors/connector.js';
import type { BridgeMetrics } from '../runtime/metrics.js';

/**
 * The connector of every configured target, for `sync-bridge start`: each HTTP exchange feeds
 * the per-target HTTP metrics (sync_bridge_http_requests_total, _request_duration_seconds).
 * Secrets are resolved now: a missing one throws ConfigError at start.
 */
export function createTargetConnectors(targets: Record<string, TargetConfig>, secret: SecretResolver, metrics: BridgeMetrics): Map<string, Connector> {
  const connectors = new Map<string, Connector>();
  for (const [code, target] of Object.entries(targets)) {
    connectors.set(code, createConnector(code, target, secret, { onExchange: metrics.observeExchange }));
  }
  return connectors;
}
