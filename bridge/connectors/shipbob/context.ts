import type { Logger } from '../../log/logger.js';
import type { EventCall } from '../base-connector.js';
import type { OutboundRequest } from '../connector.js';

/** What a ShipBob operation gets: the event, a bound request function and the target's options. */
export interface ShipBobContext {
  req: OutboundRequest;
  call: EventCall;
  log: Logger;
  options: ShipBobOptions;
}

export interface ShipBobOptions {
  /** Sent as the shipbob_channel_id header on order calls (required to create orders). */
  channelId?: string;
  /** 'reject' (default): amend fails with a 'conflict'; 'cancel_recreate': cancel and create anew. */
  amendStrategy: 'reject' | 'cancel_recreate';
}

export function readShipBobOptions(o: Record<string, unknown>): ShipBobOptions {
  const channel = o.channel_id;
  return {
    channelId: typeof channel === 'string' || typeof channel === 'number' ? String(channel) : undefined,
    amendStrategy: o.amend_strategy === 'cancel_recreate' ? 'cancel_recreate' : 'reject',
  };
}

export function channelHeader(ctx: ShipBobContext): Record<string, string> {
  return ctx.options.channelId ? { shipbob_channel_id: ctx.options.channelId } : {};
}
