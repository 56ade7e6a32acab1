import type { SalesforceFake } from './index.js';

/** The values of the Opportunity picklist `Odoo_Invoice_Status__c` (docs/presets/salesforce.md). */
export const INVOICE_STATUS_PICKLIST = ['Not Invoiced', 'Invoiced', 'Partially Paid', 'In Payment', 'Paid', 'Credited'] as const;

/**
 * A Salesforce org set up as docs/presets/salesforce.md and the shipped mappings document in their
 * headers: `Odoo_Id__c` (external id, unique) exists on every synced object in the fake already;
 * the mappings also write Account.Odoo_Vat__c, Product2.Odoo_ATP__c and the Opportunity fields
 * of order_status.yaml (order status picklist, fulfilment milestone and proof of delivery,
 * invoicing: status picklist, amounts, references, dates). Restricted picklists refuse other
 * values, as a real org does.
 */
export function setUpOdooOrg(fake: SalesforceFake): void {
  fake.store.objects['Account']!.fields['Odoo_Vat__c'] = { type: 'string', length: 40 };
  const opp = fake.store.objects['Opportunity']!.fields;
  opp['Odoo_Order_Ref__c'] = { type: 'string', length: 80 };
  opp['Odoo_Order_Status__c'] = { type: 'picklist', picklist: ['Confirmed', 'Picking', 'Partially Shipped', 'Shipped', 'Cancelled'] };
  opp['Odoo_Last_Update__c'] = { type: 'datetime' };
  // Issue 8: fulfilment milestone and proof of delivery on opportunities, available to promise on products.
  opp['Odoo_Fulfilment_Status__c'] = { type: 'picklist', picklist: ['accepted', 'allocated', 'picked', 'packed', 'shipped', 'delivered', 'exception', 'on_hold', 'resumed'] };
  opp['Odoo_Delivered_At__c'] = { type: 'datetime' };
  opp['Odoo_Delivery_Proof__c'] = { type: 'string', length: 255 };
  // Invoicing of the order.
  opp['Odoo_Invoice_Status__c'] = { type: 'picklist', picklist: [...INVOICE_STATUS_PICKLIST] };
  opp['Odoo_Amount_Invoiced__c'] = { type: 'currency' };
  opp['Odoo_Amount_Due__c'] = { type: 'currency' };
  opp['Odoo_Invoice_Refs__c'] = { type: 'string', length: 255 };
  opp['Odoo_Invoice_Due_Date__c'] = { type: 'date' };
  opp['Odoo_Paid_Date__c'] = { type: 'date' };
  const product = fake.store.objects['Product2']!.fields;
  product['Odoo_ATP__c'] = { type: 'double' };
}
