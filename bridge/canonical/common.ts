import * as z from 'zod';

/** Datetimes in canonical payloads are UTC, Odoo's format: 'YYYY-MM-DD HH:MM:SS'. */
export const UtcDatetime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, "a UTC datetime 'YYYY-MM-DD HH:MM:SS'");
export const DateOnly = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date 'YYYY-MM-DD'");
export const NonEmpty = z.string().min(1).max(512);
export const Sku = z.string().min(1).max(128);
export const Quantity = z.number().finite();
/** Every canonical payload names the message it came from and the system that sent it. */
export const Envelope = {
  /** Unique id of the inbound message (webhook id or a derived stable id): the dedup key. */
  message_id: NonEmpty,
  /** The external system the message came from (shipbob, generic_wms, hubspot, salesforce, ...). */
  source: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a system name in lower case'),
};
