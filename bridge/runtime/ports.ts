import type { ClaimedEvent, WebReadSpec } from '../odoo/contract.js';

/** What the runtime needs from the mapping layer (implemented over bridge/mapping). */
export interface MappedOutbound {
  kind: string;
  payload: Record<string, unknown>;
  mappingVersion: string;
}

export interface OutboundMapper {
  /** The web_read spec per Odoo model that the mappings of these targets need. */
  specs(targets: string[]): Record<string, WebReadSpec>;
  /** Maps a claimed event; throws a PermanentError (category 'mapping') when it cannot. */
  map(event: ClaimedEvent): MappedOutbound;
}
