import type { PropertyProblem } from './errors.js';

/** Property definitions per object type (what Settings > Properties holds in the portal). */

export type PropertyType = 'string' | 'number' | 'enumeration' | 'date' | 'datetime' | 'bool';

export interface PropertyDef {
  type: PropertyType;
  /** "Require unique values for this property" (custom single-line text / number only). */
  unique?: boolean;
  readOnly?: boolean;
  options?: string[];
  /** The form control when it is not the type's usual one (routes-properties.ts): textarea, phonenumber. */
  fieldType?: string;
}

export const OBJECT_TYPES = ['companies', 'contacts', 'deals', 'line_items', 'products', 'orders'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export type PropertySchema = Record<ObjectType, Record<string, PropertyDef>>;

const s = (): PropertyDef => ({ type: 'string' });
const n = (): PropertyDef => ({ type: 'number' });
/** Multi-line text (HubSpot's description properties) and phone numbers: strings with their own fieldType. */
const textarea = (): PropertyDef => ({ type: 'string', fieldType: 'textarea' });
const phone = (): PropertyDef => ({ type: 'string', fieldType: 'phonenumber' });
const ro = (type: PropertyType = 'datetime'): PropertyDef => ({ type, readOnly: true });
const system = { hs_object_id: ro('number'), createdate: ro(), hs_lastmodifieddate: ro(), hs_createdate: ro() };

export const DEAL_STAGES = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent', 'closedwon', 'closedlost'];

/**
 * HubSpot's stage calculated properties of deal stages (read-only date-times HubSpot sets when a
 * deal enters or leaves the stage): `hs_v2_date_entered_<stage id>` / `hs_v2_date_exited_<stage id>`
 * and the older `hs_date_entered_<stage id>` / `hs_date_exited_<stage id>`. Every stage of every
 * pipeline has them (add a stage: add its definitions).
 */
export function stageCalculatedDefs(stages: string[]): Record<string, PropertyDef> {
  const out: Record<string, PropertyDef> = {};
  for (const stage of stages)
    for (const prefix of ['hs_v2_date', 'hs_date'])
      for (const what of ['entered', 'exited']) out[`${prefix}_${what}_${stage}`] = ro();
  return out;
}

/** HubSpot's default properties plus the bridge's custom unique property `odoo_id` on each object. */
export function defaultSchema(): PropertySchema {
  const odoo = (): PropertyDef => ({ type: 'string', unique: true });
  return {
    companies: {
      ...system, name: s(), domain: s(), phone: phone(), address: s(), address2: s(), city: s(), state: s(), zip: s(), country: s(),
      website: s(), industry: s(), description: textarea(), numberofemployees: n(), annualrevenue: n(), hubspot_owner_id: s(),
      odoo_id: odoo(),
    },
    contacts: {
      ...system, lastmodifieddate: ro(), email: { type: 'string', unique: true }, firstname: s(), lastname: s(), phone: phone(), mobilephone: phone(),
      company: s(), jobtitle: s(), address: s(), city: s(), state: s(), zip: s(), country: s(), website: s(),
      lifecyclestage: { type: 'enumeration', options: ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'] },
      hubspot_owner_id: s(), odoo_id: odoo(),
    },
    deals: {
      ...system, dealname: s(), amount: n(), dealstage: { type: 'enumeration', options: DEAL_STAGES }, pipeline: { type: 'enumeration', options: ['default'] },
      closedate: { type: 'datetime' }, hubspot_owner_id: s(), deal_currency_code: s(), description: textarea(), dealtype: { type: 'enumeration', options: ['newbusiness', 'existingbusiness'] },
      hs_is_closed_won: ro('bool'), odoo_id: odoo(), ...stageCalculatedDefs(DEAL_STAGES),
    },
    line_items: {
      ...system, name: s(), quantity: n(), price: n(), amount: ro('number'), hs_product_id: s(), hs_sku: s(), description: textarea(), discount: n(),
      hs_discount_percentage: n(), hs_line_item_currency_code: s(), hs_position_on_quote: n(), odoo_id: odoo(),
    },
    products: {
      ...system, name: s(), price: n(), hs_sku: s(), description: textarea(), hs_cost_of_goods_sold: n(), hs_product_type: { type: 'enumeration', options: ['inventory', 'non_inventory', 'service'] },
      hs_url: s(), odoo_id: odoo(),
    },
    orders: {
      ...system, hs_order_name: s(), hs_currency_code: s(), hs_total_price: n(), hs_pipeline: s(), hs_pipeline_stage: s(), hs_external_order_id: s(), odoo_id: odoo(),
    },
  };
}

/** Properties GET/list/search return when the caller does not name any (HubSpot's defaults). */
export const DEFAULT_READ: Record<ObjectType, string[]> = {
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  deals: ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'],
  line_items: ['amount', 'createdate', 'hs_lastmodifieddate', 'hs_object_id', 'hs_product_id', 'name', 'price', 'quantity'],
  products: ['createdate', 'description', 'hs_lastmodifieddate', 'hs_object_id', 'name', 'price'],
  orders: ['createdate', 'hs_lastmodifieddate', 'hs_object_id', 'hs_order_name'],
};

/** HubSpot's singular object name used in messages and association labels. */
export const SINGULAR: Record<ObjectType, string> = {
  companies: 'company',
  contacts: 'contact',
  deals: 'deal',
  line_items: 'line_item',
  products: 'product',
  orders: 'order',
};

/** Checks names and values; values are normalised to strings as HubSpot stores them. */
export function checkProperties(
  defs: Record<string, PropertyDef>,
  props: Record<string, unknown>,
): { problems: PropertyProblem[]; values: Record<string, string | null> } {
  const problems: PropertyProblem[] = [];
  const values: Record<string, string | null> = {};
  for (const [name, raw] of Object.entries(props)) {
    const def = defs[name];
    if (!def) {
      problems.push({ name, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      continue;
    }
    if (def.readOnly) {
      problems.push({ name, error: 'READ_ONLY_VALUE', message: `"${name}" is a read only property; its value cannot be set.` });
      continue;
    }
    if (raw === null || raw === '') {
      values[name] = raw === null ? null : '';
      continue;
    }
    const str = typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
    switch (def.type) {
      case 'number':
        if (!/^-?\d+(\.\d+)?$/.test(str.trim())) problems.push({ name, error: 'INVALID_FLOAT', message: `${str} was not a valid number.` });
        break;
      case 'enumeration':
        if (def.options && !def.options.includes(str))
          problems.push({ name, error: 'INVALID_OPTION', message: `${str} was not one of the allowed options: [${def.options.join(', ')}]` });
        break;
      case 'bool':
        if (!['true', 'false'].includes(str.toLowerCase())) problems.push({ name, error: 'INVALID_BOOLEAN', message: `${str} is not a valid boolean.` });
        break;
      case 'date':
        // A date property holds a day: epoch milliseconds at midnight UTC or YYYY-MM-DD.
        if (/^\d+$/.test(str) && Number(str) % 86_400_000 !== 0) problems.push({ name, error: 'INVALID_DATE', message: `${str} is at ${timeOfDay(Number(str))} UTC, not midnight!` });
        else if (!(/^\d+$/.test(str) || /^\d{4}-\d{2}-\d{2}$/.test(str))) problems.push({ name, error: 'INVALID_DATE', message: `${str} is not a valid date.` });
        break;
      case 'datetime':
        if (!(/^\d+$/.test(str) || !Number.isNaN(Date.parse(str)))) problems.push({ name, error: 'INVALID_DATE', message: `${str} is not a valid date.` });
        break;
      default:
        if (name === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(str)) problems.push({ name, error: 'INVALID_EMAIL', message: `Email address ${str} is invalid` });
    }
    values[name] = str;
  }
  return { problems, values };
}

/** HubSpot's H:m:s.S of an epoch in UTC, as its INVALID_DATE message shows it. */
function timeOfDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCHours()}:${d.getUTCMinutes()}:${d.getUTCSeconds()}.${d.getUTCMilliseconds()}`;
}
