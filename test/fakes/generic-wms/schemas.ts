import { z } from 'zod';

/** Generic WMS profile request bodies. Unknown fields are rejected (400 unknown_field). */

const ref = z.string().trim().min(1).max(100);

export const address = z.strictObject({
  name: z.string().min(1),
  company: z.string().optional(),
  street: z.string().min(1),
  street2: z.string().optional(),
  city: z.string().min(1),
  zip: z.string().min(1),
  state: z.string().optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'country must be an ISO 3166-1 alpha-2 code'),
  email: z.email().optional(),
  phone: z.string().optional(),
});

export const orderLine = z.strictObject({
  line_ref: ref,
  sku: ref,
  quantity: z.number().positive(),
  unit_price: z.number().min(0).optional(),
  lot: z.string().optional(),
});

export const orderBody = z
  .strictObject({
    customer_ref: ref.optional(),
    ship_to: address,
    lines: z.array(orderLine).min(1).max(500),
    carrier: z.string().optional(),
    service_level: z.string().optional(),
    requested_ship_date: z.iso.date().optional(),
    currency: z.string().regex(/^[A-Z]{3}$/).optional(),
    notes: z.string().max(2000).optional(),
  })
  .superRefine((o, ctx) => {
    const seen = new Set<string>();
    o.lines.forEach((l, i) => {
      if (seen.has(l.line_ref)) ctx.addIssue({ code: 'custom', message: `duplicate line_ref '${l.line_ref}'`, path: ['lines', i, 'line_ref'] });
      seen.add(l.line_ref);
    });
  });

export const itemBody = z.strictObject({
  name: z.string().min(1),
  barcode: z.string().optional(),
  uom: z.string().optional(),
  weight_kg: z.number().min(0).optional(),
  lot_tracked: z.boolean().optional(),
  serial_tracked: z.boolean().optional(),
  active: z.boolean().optional(),
});

export const customerBody = z.strictObject({
  name: z.string().min(1),
  email: z.email().optional(),
  phone: z.string().optional(),
  address: address.omit({ name: true }).optional(),
});

export const stockQuery = z.object({
  cursor: z.string().optional(),
  limit: z
    .string()
    .regex(/^\d+$/, 'limit must be an integer')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 500, 'limit must be between 1 and 500')
    .optional(),
  sku: z.string().optional(),
});

/** GET /items, GET /customers: cursor pages in key order. */
export const listQuery = stockQuery.omit({ sku: true });

export const refParam = ref.regex(/^[A-Za-z0-9._:\-/]+$/, 'reference may contain letters, digits and . _ : - /');

/** GET /events: `after` (a cursor from next_cursor) or `since` (ISO date-time, created at or after), limit 1-500. */
export const eventsQuery = z.object({
  after: z.string().min(1).optional(),
  since: z.iso.datetime({ offset: true, message: 'since must be an ISO 8601 date-time' }).optional(),
  limit: stockQuery.shape.limit,
}).refine((q) => !(q.after && q.since), { message: 'give either after or since, not both', path: ['since'] });
