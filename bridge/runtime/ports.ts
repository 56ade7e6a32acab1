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
  /** Maps a claimed event; rejects with a PermanentError (category 'mapping') when it cannot. */
  map(event: ClaimedEvent): Promise<MappedOutbound>;
  /** Number of compiled mappings (for /readyz). */
  count(): number;
  /**
   * The mapper to use for one claim and the deliveries of its events (a mapping set that can be
   * reloaded hands out the live one; the claim's specs and the mapping stay consistent).
   */
  snapshot?(): OutboundMapper;
}

/** Reads sync.link rows (Odoo) for cross-reference lookups: target code -> links. */
export interface LinkSource {
  links(target: string, requests: Array<{ model: string; id?: number; externalId?: string }>): Promise<Array<{ model: string; res_id: number; external_id: string }>>;
}

/** Reads one business record (Odoo web_read) with a given spec; undefined when it is gone. */
export interface RecordSource {
  read(model: string, id: number, spec: WebReadSpec): Promise<Record<string, unknown> | undefined>;
}
