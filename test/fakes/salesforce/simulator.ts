import type { SalesforceContext } from './context.js';
import { SfFault } from './errors.js';
import { caseSafeSuffix } from './ids.js';
import type { SfRecord } from './store.js';

/** A sales rep's user id (the fake's only other user). */
export const SALES_REP_ID = `005Dn000000Rep1${caseSafeSuffix('005Dn000000Rep1')}`;

export interface SimLineItem {
  /** Product2.ProductCode; the product and its standard price are created when missing. */
  productCode: string;
  productName?: string;
  quantity: number;
  unitPrice: number;
  odooId?: string;
}

/** What sales reps do in Salesforce: products with standard prices, opportunities with line items, Closed Won. */
export class SalesforceSimulator {
  constructor(private readonly ctx: SalesforceContext) {}

  private write(sobject: string, values: Record<string, unknown>, existing?: SfRecord): SfRecord {
    const s = this.ctx.store;
    return s.apply(s.prepare(sobject, values, existing ? 'update' : 'insert', existing)).record;
  }

  /** Product2 by ProductCode plus an active standard PricebookEntry. */
  ensureProduct(code: string, name: string, unitPrice: number, odooId?: string): { product: SfRecord; entry: SfRecord } {
    const s = this.ctx.store;
    let product = s.findBy('Product2', 'ProductCode', code)[0];
    if (!product) product = this.write('Product2', { Name: name, ProductCode: code, IsActive: true, ...(odooId ? { Odoo_Id__c: odooId } : {}) });
    let entry = s.all('PricebookEntry').find((e) => e['Product2Id'] === product!.Id && e['Pricebook2Id'] === s.standardPricebookId);
    if (!entry) entry = this.write('PricebookEntry', { Pricebook2Id: s.standardPricebookId, Product2Id: product.Id, UnitPrice: unitPrice, IsActive: true });
    return { product, entry };
  }

  createOpportunity(input: {
    name?: string;
    accountId?: string;
    accountOdooId?: string;
    stage?: string;
    closeDate?: string;
    odooId?: string;
    lineItems?: SimLineItem[];
    win?: boolean;
  }): { opportunity: SfRecord; lineItems: SfRecord[] } {
    const s = this.ctx.store;
    let accountId = input.accountId;
    if (!accountId && input.accountOdooId) {
      const acc = s.findBy('Account', 'Odoo_Id__c', input.accountOdooId)[0];
      if (!acc) throw SfFault.of(404, 'NOT_FOUND', `No Account with Odoo_Id__c ${input.accountOdooId}`);
      accountId = acc.Id;
    }
    const opp = this.write('Opportunity', {
      Name: input.name ?? 'Opportunity',
      StageName: input.stage ?? 'Prospecting',
      CloseDate: input.closeDate ?? this.ctx.clock.iso().slice(0, 10),
      ...(accountId ? { AccountId: accountId } : {}),
      ...(input.odooId ? { Odoo_Id__c: input.odooId } : {}),
    });
    const lineItems = (input.lineItems ?? []).map((li) => {
      const { entry } = this.ensureProduct(li.productCode, li.productName ?? li.productCode, li.unitPrice);
      return this.write('OpportunityLineItem', {
        OpportunityId: opp.Id,
        PricebookEntryId: entry.Id,
        Quantity: li.quantity,
        UnitPrice: li.unitPrice,
        ...(li.odooId ? { Odoo_Id__c: li.odooId } : {}),
      });
    });
    if (input.win) this.winOpportunity(opp.Id);
    return { opportunity: opp, lineItems };
  }

  /**
   * A Salesforce user (not the bridge) edits a record: validated like an API update, then
   * LastModifiedById is that user's (SystemModstamp / LastModifiedDate move on).
   */
  editRecord(sobject: string, id: string, values: Record<string, unknown>, userId = SALES_REP_ID): SfRecord {
    const existing = this.ctx.store.get(sobject, id);
    if (!existing) throw SfFault.of(404, 'NOT_FOUND', `${sobject} ${id} not found`);
    const rec = this.write(sobject, values, existing);
    rec['LastModifiedById'] = userId;
    return rec;
  }

  /** A Salesforce user creates a record (CreatedById / LastModifiedById are that user's). */
  createRecord(sobject: string, values: Record<string, unknown>, userId = SALES_REP_ID): SfRecord {
    const rec = this.write(sobject, values);
    rec['CreatedById'] = userId;
    rec['LastModifiedById'] = userId;
    return rec;
  }

  winOpportunity(id: string): SfRecord {
    const opp = this.ctx.store.get('Opportunity', id);
    if (!opp) throw SfFault.of(404, 'NOT_FOUND', `Opportunity ${id} not found`);
    return this.write('Opportunity', { StageName: 'Closed Won' }, opp);
  }
}
