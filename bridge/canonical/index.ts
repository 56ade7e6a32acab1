import type * as z from 'zod';
import { CanonicalShipment } from './shipment.js';
import { CanonicalReturn } from './return.js';
import { CanonicalStockSnapshot } from './stock-snapshot.js';
import { CanonicalSaleOrder } from './sale-order.js';
import { CanonicalReceipt } from './receipt.js';
import { CanonicalMilestone } from './milestone.js';
import { CanonicalPartnerChange, CanonicalPartnerNew } from './partner.js';

export { CanonicalShipment, ShipmentLine, ShipmentLot, ShipmentPackage } from './shipment.js';
export { CanonicalReturn, ReturnLine, RETURN_DISPOSITIONS } from './return.js';
export { CanonicalStockSnapshot, StockLine } from './stock-snapshot.js';
export { CanonicalSaleOrder, SaleOrderLine, SaleOrderCustomer, CanonicalAddress } from './sale-order.js';
export { CanonicalReceipt, ReceiptLine, ReceiptLot } from './receipt.js';
export { CanonicalMilestone, MILESTONES, ProofOfDelivery } from './milestone.js';
export { CanonicalPartnerChange, CanonicalPartnerNew, PARTNER_FIELDS, PARTNER_OBJECT_TYPES } from './partner.js';

/** Output kinds of inbound mappings and the schema each output must satisfy. */
export const CANONICAL_SCHEMAS = {
  'canonical.shipment': CanonicalShipment,
  'canonical.return': CanonicalReturn,
  'canonical.stock_snapshot': CanonicalStockSnapshot,
  'canonical.sale_order': CanonicalSaleOrder,
  'canonical.receipt': CanonicalReceipt,
  'canonical.milestone': CanonicalMilestone,
  'canonical.partner_change': CanonicalPartnerChange,
  'canonical.partner_new': CanonicalPartnerNew,
} as const satisfies Record<string, z.ZodType>;

export type CanonicalKind = keyof typeof CANONICAL_SCHEMAS;
export const CANONICAL_KINDS = Object.keys(CANONICAL_SCHEMAS) as CanonicalKind[];

export function canonicalSchema(kind: string): z.ZodType | undefined {
  return Object.hasOwn(CANONICAL_SCHEMAS, kind) ? CANONICAL_SCHEMAS[kind as CanonicalKind] : undefined;
}
