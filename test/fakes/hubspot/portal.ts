import type { HubSpotFake } from './index.js';
import { DEAL_STAGES, stageCalculatedDefs } from './properties.js';

/** The owner the shipped fixtures name as account manager. */
export const FIXTURE_OWNER = 'dana.reyes@example.com';

/** The stages of the fulfilment pipeline the shipped order_status mapping maps to. */
export const FULFILMENT_STAGES = ['odoo_quotation', 'odoo_confirmed', 'odoo_in_fulfilment', 'odoo_partially_shipped', 'odoo_shipped', 'odoo_delivered', 'odoo_on_hold', 'odoo_cancelled'];

/** The options of the deal dropdown `odoo_invoice_status` (docs/presets/hubspot.md). */
export const INVOICE_STATUS_OPTIONS = ['not_invoiced', 'invoiced', 'partially_paid', 'in_payment', 'paid', 'credited'] as const;

/**
 * A HubSpot portal set up as docs/presets/hubspot.md and the shipped mappings document in their headers: unique-value custom
 * properties `odoo_partner_id` (contacts and companies), `odoo_product_id` (products),
 * `odoo_order_id` (deals), `odoo_line_id` (line items); the deal properties `odoo_order_ref`,
 * `odoo_order_status` (dropdown), `odoo_last_update` (date-time), the fulfilment and the invoicing ones; a deal
 * pipeline `odoo_fulfilment` (and the fixtures' own `776655`) with the stages of the value map;
 * the fixtures' account manager as a HubSpot user. `odoo_id` (the preset's default id property)
 * exists on every object in the fake already.
 */
export function setUpOdooPortal(fake: HubSpotFake, owners: Array<{ email: string; firstName?: string; lastName?: string }> = [{ email: FIXTURE_OWNER, firstName: 'Dana', lastName: 'Reyes' }]): void {
  fake.schema.contacts['odoo_partner_id'] = { type: 'string', unique: true };
  fake.schema.companies['odoo_partner_id'] = { type: 'string', unique: true };
  fake.schema.products['odoo_product_id'] = { type: 'string', unique: true };
  fake.schema.deals['odoo_order_id'] = { type: 'string', unique: true };
  fake.schema.line_items['odoo_line_id'] = { type: 'string', unique: true };
  fake.schema.deals['odoo_order_ref'] = { type: 'string' };
  fake.schema.deals['odoo_order_status'] = { type: 'enumeration', options: ['quotation', 'confirmed', 'picking', 'partially_shipped', 'shipped', 'cancelled'] };
  fake.schema.deals['odoo_last_update'] = { type: 'datetime' };
  fake.schema.deals['pipeline'] = { type: 'enumeration', options: ['default', 'odoo_fulfilment', '776655'] };
  fake.schema.deals['dealstage'] = { type: 'enumeration', options: [...DEAL_STAGES, ...FULFILMENT_STAGES] };
  Object.assign(fake.schema.deals, stageCalculatedDefs(FULFILMENT_STAGES));
  // Issue 8: fulfilment milestone and proof of delivery on deals, available to promise on products.
  fake.schema.deals['odoo_fulfilment_status'] = { type: 'enumeration', options: ['accepted', 'allocated', 'picked', 'packed', 'shipped', 'delivered', 'exception', 'on_hold', 'resumed'] };
  fake.schema.deals['odoo_delivered_at'] = { type: 'datetime' };
  fake.schema.deals['odoo_delivery_proof'] = { type: 'string' };
  // Invoicing of the order (order_status.yaml): status dropdown, amounts, references, dates.
  fake.schema.deals['odoo_invoice_status'] = { type: 'enumeration', options: [...INVOICE_STATUS_OPTIONS] };
  fake.schema.deals['odoo_amount_invoiced'] = { type: 'number' };
  fake.schema.deals['odoo_amount_due'] = { type: 'number' };
  fake.schema.deals['odoo_invoice_refs'] = { type: 'string' };
  fake.schema.deals['odoo_invoice_due_date'] = { type: 'date' };
  fake.schema.deals['odoo_paid_date'] = { type: 'date' };
  fake.schema.products['odoo_atp'] = { type: 'number' };
  fake.schema.products['odoo_atp_updated_at'] = { type: 'datetime' };
  for (const o of owners) if (!fake.owners.all().some((x) => x.email === o.email)) fake.owners.add(o);
}

