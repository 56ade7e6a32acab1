import * as z from 'zod';
import { DateOnly, Envelope, NonEmpty, Quantity, Sku } from './common.js';

export const CanonicalAddress = z.strictObject({
  street: NonEmpty,
  street2: NonEmpty.optional(),
  city: NonEmpty,
  zip: NonEmpty.optional(),
  state: NonEmpty.optional(),
  /** ISO 3166-1 alpha-2. */
  country_code: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code'),
});

export const SaleOrderCustomer = z.strictObject({
  /** The customer's id in the CRM (HubSpot company/contact id, Salesforce Account Id). */
  external_id: NonEmpty,
  name: NonEmpty,
  email: z.string().email(),
  vat: NonEmpty.optional(),
  address: CanonicalAddress,
});

export const SaleOrderLine = z.strictObject({
  sku: Sku,
  quantity: Quantity.positive(),
  unit_price: z.number().finite().nonnegative(),
  discount_percent: z.number().min(0).max(100).optional(),
});

/** An approved CRM quote to be created as an Odoo sale order. Natural reference: (source, quote_id). */
export const CanonicalSaleOrder = z.strictObject({
  ...Envelope,
  quote_id: NonEmpty,
  customer: SaleOrderCustomer,
  lines: z.array(SaleOrderLine).min(1),
  expected_date: DateOnly.optional(),
  /** ISO 4217. */
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code').optional(),
});
export type CanonicalSaleOrder = z.infer<typeof CanonicalSaleOrder>;
