import type { ObjectType } from './properties.js';

/** HUBSPOT_DEFINED association type ids the fake knows (from → to, label, inverse). */
export interface AssocType {
  id: number;
  from: ObjectType;
  to: ObjectType;
  label: string;
  inverse: number;
}

const T: AssocType[] = [
  { id: 279, from: 'contacts', to: 'companies', label: 'contact_to_company_unlabeled', inverse: 280 },
  { id: 1, from: 'contacts', to: 'companies', label: 'contact_to_company', inverse: 2 },
  { id: 280, from: 'companies', to: 'contacts', label: 'company_to_contact_unlabeled', inverse: 279 },
  { id: 2, from: 'companies', to: 'contacts', label: 'company_to_contact', inverse: 1 },
  { id: 3, from: 'deals', to: 'contacts', label: 'deal_to_contact', inverse: 4 },
  { id: 4, from: 'contacts', to: 'deals', label: 'contact_to_deal', inverse: 3 },
  { id: 341, from: 'deals', to: 'companies', label: 'deal_to_company_unlabeled', inverse: 342 },
  { id: 5, from: 'deals', to: 'companies', label: 'deal_to_company', inverse: 6 },
  { id: 342, from: 'companies', to: 'deals', label: 'company_to_deal_unlabeled', inverse: 341 },
  { id: 6, from: 'companies', to: 'deals', label: 'company_to_deal', inverse: 5 },
  { id: 19, from: 'deals', to: 'line_items', label: 'deal_to_line_item', inverse: 20 },
  { id: 20, from: 'line_items', to: 'deals', label: 'line_item_to_deal', inverse: 19 },
  { id: 507, from: 'orders', to: 'contacts', label: 'order_to_contact', inverse: 508 },
  { id: 508, from: 'contacts', to: 'orders', label: 'contact_to_order', inverse: 507 },
  { id: 509, from: 'orders', to: 'companies', label: 'order_to_company', inverse: 510 },
  { id: 510, from: 'companies', to: 'orders', label: 'company_to_order', inverse: 509 },
  { id: 512, from: 'orders', to: 'deals', label: 'order_to_deal', inverse: 511 },
  { id: 511, from: 'deals', to: 'orders', label: 'deal_to_order', inverse: 512 },
  { id: 513, from: 'orders', to: 'line_items', label: 'order_to_line_item', inverse: 514 },
  { id: 514, from: 'line_items', to: 'orders', label: 'line_item_to_order', inverse: 513 },
];

export function assocType(id: number): AssocType | undefined {
  return T.find((t) => t.id === id);
}

/** Key of an associated type in v3 read responses ("line items" with a space, as HubSpot answers). */
export function assocKey(t: ObjectType): string {
  return t === 'line_items' ? 'line items' : t;
}

/** The default (unlabeled) association type between two object types. */
export function defaultAssocType(from: ObjectType, to: ObjectType): AssocType | undefined {
  return T.find((t) => t.from === from && t.to === to && t.label.endsWith('_unlabeled')) ?? T.find((t) => t.from === from && t.to === to);
}
