/** The describe information the fake knows: standard objects the bridge touches plus the custom external id Odoo_Id__c. */

export type FieldType = 'id' | 'string' | 'textarea' | 'email' | 'phone' | 'url' | 'double' | 'currency' | 'percent' | 'int' | 'boolean' | 'date' | 'datetime' | 'reference' | 'picklist';

export interface FieldDef {
  type: FieldType;
  /** Required on insert (nillable=false, defaultedOnCreate=false). */
  required?: boolean;
  externalId?: boolean;
  unique?: boolean;
  /** createable=false and updateable=false (system, formula, roll-up). */
  readOnly?: boolean;
  /** createable=true, updateable=false. */
  createOnly?: boolean;
  referenceTo?: string;
  relationshipName?: string;
  picklist?: string[];
  /** A picklist with values is restricted (other values refused) unless this is false. */
  restricted?: boolean;
  /** Field-level security: the integration user may read but not create or update it. */
  noAccess?: boolean;
  length?: number;
  label?: string;
}

export interface SObjectDef {
  keyPrefix: string;
  fields: Record<string, FieldDef>;
}

const system = (): Record<string, FieldDef> => ({
  Id: { type: 'id', readOnly: true },
  IsDeleted: { type: 'boolean', readOnly: true },
  CreatedDate: { type: 'datetime', readOnly: true },
  LastModifiedDate: { type: 'datetime', readOnly: true },
  SystemModstamp: { type: 'datetime', readOnly: true },
  CreatedById: { type: 'reference', readOnly: true },
  LastModifiedById: { type: 'reference', readOnly: true },
});
const str = (length = 255): FieldDef => ({ type: 'string', length });
const odooId = (): FieldDef => ({ type: 'string', externalId: true, unique: true, length: 255, label: 'Odoo Id' });

export const STAGES = [
  'Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers', 'Perception Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost',
];

export function defaultObjects(): Record<string, SObjectDef> {
  const address = (p: string): Record<string, FieldDef> => ({
    [`${p}Street`]: { type: 'textarea', length: 255 }, [`${p}City`]: str(40), [`${p}State`]: str(80), [`${p}PostalCode`]: str(20), [`${p}Country`]: str(80),
  });
  return {
    Account: {
      keyPrefix: '001',
      fields: {
        ...system(), Name: { type: 'string', required: true, length: 255 }, AccountNumber: str(40), Phone: { type: 'phone', length: 40 }, Website: { type: 'url', length: 255 },
        Type: { type: 'picklist' }, Industry: { type: 'picklist' }, Description: { type: 'textarea', length: 32000 },
        ...address('Billing'), ...address('Shipping'),
        ParentId: { type: 'reference', referenceTo: 'Account', relationshipName: 'Parent' },
        Odoo_Id__c: odooId(),
        // The preset's setup creates it (docs/presets/salesforce.md): the VAT customer_upsert.yaml writes.
        Odoo_Vat__c: { ...str(20), label: 'Odoo VAT' },
      },
    },
    Contact: {
      keyPrefix: '003',
      fields: {
        ...system(), LastName: { type: 'string', required: true, length: 80 }, FirstName: str(40), Email: { type: 'email', length: 80 }, Phone: { type: 'phone', length: 40 },
        MobilePhone: { type: 'phone', length: 40 }, Title: str(128), ...address('Mailing'),
        AccountId: { type: 'reference', referenceTo: 'Account', relationshipName: 'Account' },
        Name: { type: 'string', readOnly: true },
        Odoo_Id__c: odooId(),
      },
    },
    Product2: {
      keyPrefix: '01t',
      fields: {
        ...system(), Name: { type: 'string', required: true, length: 255 }, ProductCode: str(255), Description: { type: 'textarea', length: 4000 }, IsActive: { type: 'boolean' },
        Family: { type: 'picklist' }, StockKeepingUnit: str(180), QuantityUnitOfMeasure: { type: 'picklist' },
        Odoo_Id__c: odooId(),
      },
    },
    Pricebook2: {
      keyPrefix: '01s',
      fields: { ...system(), Name: { type: 'string', required: true }, IsActive: { type: 'boolean' }, IsStandard: { type: 'boolean', readOnly: true }, Description: { type: 'textarea' } },
    },
    PricebookEntry: {
      keyPrefix: '01u',
      fields: {
        ...system(),
        Pricebook2Id: { type: 'reference', required: true, createOnly: true, referenceTo: 'Pricebook2', relationshipName: 'Pricebook2' },
        Product2Id: { type: 'reference', required: true, createOnly: true, referenceTo: 'Product2', relationshipName: 'Product2' },
        UnitPrice: { type: 'currency', required: true }, IsActive: { type: 'boolean' }, UseStandardPrice: { type: 'boolean' },
        ProductCode: { type: 'string', readOnly: true }, Name: { type: 'string', readOnly: true },
      },
    },
    Opportunity: {
      keyPrefix: '006',
      fields: {
        ...system(), Name: { type: 'string', required: true, length: 120 }, StageName: { type: 'picklist', required: true, picklist: STAGES },
        CloseDate: { type: 'date', required: true }, AccountId: { type: 'reference', referenceTo: 'Account', relationshipName: 'Account' },
        Amount: { type: 'currency' }, Probability: { type: 'percent' }, Description: { type: 'textarea', length: 32000 }, Type: { type: 'picklist' },
        Pricebook2Id: { type: 'reference', referenceTo: 'Pricebook2', relationshipName: 'Pricebook2' },
        IsWon: { type: 'boolean', readOnly: true }, IsClosed: { type: 'boolean', readOnly: true },
        Odoo_Id__c: odooId(),
      },
    },
    OpportunityLineItem: {
      keyPrefix: '00k',
      fields: {
        ...system(),
        OpportunityId: { type: 'reference', required: true, createOnly: true, referenceTo: 'Opportunity', relationshipName: 'Opportunity' },
        PricebookEntryId: { type: 'reference', required: true, createOnly: true, referenceTo: 'PricebookEntry', relationshipName: 'PricebookEntry' },
        Product2Id: { type: 'reference', readOnly: true, referenceTo: 'Product2', relationshipName: 'Product2' },
        Quantity: { type: 'double', required: true }, UnitPrice: { type: 'currency' }, TotalPrice: { type: 'currency' }, Discount: { type: 'percent' },
        Description: str(255), ServiceDate: { type: 'date' },
        ProductCode: { type: 'string', readOnly: true }, Name: { type: 'string', readOnly: true }, ListPrice: { type: 'currency', readOnly: true },
        Subtotal: { type: 'currency', readOnly: true },
        Odoo_Id__c: odooId(),
      },
    },
  };
}

/** Case-insensitive field lookup (SOQL and DML field names are case-insensitive); returns the canonical name. */
export function canonicalField(def: SObjectDef, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(def.fields).find((f) => f.toLowerCase() === lower);
}

export function canonicalObject(objects: Record<string, SObjectDef>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(objects).find((o) => o.toLowerCase() === lower);
}
