import type { LiveMappings } from './live-mappings.js';
import { setVersions } from './live-mappings.js';
import type { LastReload } from './mapping-reload.js';

/** /readyz: the live mapping set (counts, when loaded) and the last reload's time and outcome. */
export function mappingSetReport(live: LiveMappings, last: LastReload | undefined): Record<string, unknown> {
  const set = live.current();
  return {
    outbound: set.registry.count(),
    inbound: set.inbound.count(),
    files: setVersions(set).size,
    loaded_at: new Date(set.loadedAt).toISOString(),
    last_reload: last ? {
      at: new Date(last.at).toISOString(), outcome: last.outcome, trigger: last.trigger, correlation_id: last.correlationId,
      ...(last.message ? { message: last.message } : {}),
    } : null,
  };
}
