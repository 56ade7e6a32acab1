import type * as z from 'zod';
import { CanonicalShipment } from './shipment.js';
import { CanonicalReturn } from './return.js';
import { CanonicalStockSnapshot } from './stock-snapshot.js';
import { CanonicalSaleOrder } from './sale-order.js';

export { CanonicalShipment, ShipmentLine, ShipmentLot, ShipmentPackage } from './shipment.js';
export { CanonicalReturn, ReturnLine, RETURN_DISPOSITIONS } from './return.js';
export { CanonicalStockSnapshot, StockLine } from './stock-snapshot.js';
export { CanonicalSaleOrder, SaleOrderLine, SaleOrderCustomer, CanonicalAddress } from './sale-order.js';

/** Output kinds of inbound mappings and the schema each output must satisfy. */
export const CANONICAL_SCHEMAS = {
  'canonical.shipment': CanonicalShipment,
  'canonical.return': CanonicalReturn,
  'canonical.stock_snapshot': CanonicalStockSnapshot,
  'canonical.sale_order': CanonicalSaleOrder,
} as const satisfies Record<string, z.ZodType>;

export type CanonicalKind = keyof typeof CANONICAL_SCHEMAS;
export const CANONICAL_KINDS = Object.keys(CANONICAL_SCHEMAS) as CanonicalKind[];

export function canonicalSchema(kind: string): z.ZodType | undefined {
  return Object.hasOwn(CANONICAL_SCHEMAS, kind) ? CANONICAL_SCHEMAS[kind as CanonicalKind] : undefined;
}
