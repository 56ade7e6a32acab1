import * as z from 'zod';
import { Envelope, NonEmpty, UtcDatetime } from './common.js';

/** CRM object kinds a partner message can come from. */
export const PARTNER_OBJECT_TYPES = ['company', 'contact'] as const;

/** Partner fields the CRM may propose to change (canonical names; Odoo maps them to res.partner). */
/** `user_id`: the CRM account manager's email / login (an Odoo-side extension, docs/odoo-contract.md#partner_change). */
export const PARTNER_FIELDS = ['name', 'email', 'phone', 'mobile', 'website', 'vat', 'street', 'street2', 'city', 'zip', 'state', 'country_code', 'user_id'] as const;

const FieldValue = z.union([z.string().max(1000), z.literal(false)]);

/**
 * A CRM user changed a customer the CRM knows from Odoo (HubSpot property change, Salesforce
 * Account change). Odoo stays the system of record: it records a proposal a steward accepts or
 * rejects. Natural reference: (source, external_id, changed_at, changes).
 */
export const CanonicalPartnerChange = z.strictObject({
  ...Envelope,
  object_type: z.enum(PARTNER_OBJECT_TYPES),
  /** The CRM's id of the company / contact (HubSpot object id, Salesforce Account Id). */
  external_id: NonEmpty,
  changed_at: UtcDatetime,
  /** field -> proposed value (`false` clears it). At least one. */
  changes: z.partialRecord(z.enum(PARTNER_FIELDS), FieldValue).refine((c) => Object.keys(c).length > 0, 'at least one change'),
  /** Who changed it in the CRM (user id / email), when known. */
  changed_by: NonEmpty.optional(),
});
export type CanonicalPartnerChange = z.infer<typeof CanonicalPartnerChange>;

/**
 * A company / contact created in the CRM. Odoo looks for duplicates (email, VAT, name) and
 * proposes a link or a new partner. Natural reference: (source, external_id).
 */
export const CanonicalPartnerNew = z.strictObject({
  ...Envelope,
  object_type: z.enum(PARTNER_OBJECT_TYPES),
  external_id: NonEmpty,
  created_at: UtcDatetime,
  name: NonEmpty,
  email: z.string().email().optional(),
  phone: NonEmpty.optional(),
  website: NonEmpty.optional(),
  vat: NonEmpty.optional(),
  street: NonEmpty.optional(),
  street2: NonEmpty.optional(),
  city: NonEmpty.optional(),
  zip: NonEmpty.optional(),
  state: NonEmpty.optional(),
  country_code: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code').optional(),
  /** A contact's company in the CRM (its external id), when associated. */
  parent_external_id: NonEmpty.optional(),
});
export type CanonicalPartnerNew = z.infer<typeof CanonicalPartnerNew>;
