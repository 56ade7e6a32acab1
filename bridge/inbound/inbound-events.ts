/**
 * Which inbound mapping event serves which stored message: per preset, the inbox topic (the
 * vendor's event type as stored) and the mapping event it is mapped with (the mapping's
 * `events`). Used by the preparer, and by `mappings diff` to find the messages a mapping serves.
 */
import { O2C_EVENTS } from './o2c-prepare.js';

const EVENTS: Record<string, Record<string, string>> = {
  shipbob: { 'order.shipped': 'order.shipped', 'return.completed': 'return.completed', 'inventory.polled': 'inventory.polled' },
  generic_wms: { 'shipment.shipped': 'shipment.shipped', 'return.received': 'return.received', 'inventory.snapshot': 'inventory.snapshot' },
  hubspot: { 'deal.propertyChange': 'deal.approved' },
  salesforce: { 'opportunity.closed_won': 'opportunity.closed_won' },
};
// Issue 8 (receipts, milestones, partner proposals): see o2c-prepare.ts.
for (const [preset, topics] of Object.entries(O2C_EVENTS)) Object.assign((EVENTS[preset] ??= {}), topics);

/** The mapping event a `preset` message of `topic` is mapped with, undefined when none. */
export function inboundEventOf(preset: string, topic: string): string | undefined {
  return Object.hasOwn(EVENTS, preset) && Object.hasOwn(EVENTS[preset]!, topic) ? EVENTS[preset]![topic] : undefined;
}

/** The stored topics of a `preset` whose messages are mapped with one of `events`. */
export function inboundTopicsOf(preset: string, events: readonly string[]): string[] {
  return Object.entries(EVENTS[preset] ?? {}).filter(([, ev]) => events.includes(ev)).map(([topic]) => topic).sort();
}
