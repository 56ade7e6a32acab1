import { callReturningNone, create, searchRead, type OdooTestEnv } from './odoo-env.js';

/** The stock location of a warehouse (lot_stock_id): id and full name. */
export async function warehouseStock(env: OdooTestEnv, warehouseId: number): Promise<{ id: number; name: string }> {
  const [wh] = await searchRead<{ lot_stock_id: [number, string] }>(env.admin, 'stock.warehouse', [['id', '=', warehouseId]], ['lot_stock_id']);
  return { id: wh!.lot_stock_id[0], name: wh!.lot_stock_id[1] };
}

/** Sets the on-hand quantity of a product at a location: an applied inventory adjustment. */
export async function setOnHand(env: OdooTestEnv, productId: number, locationId: number, qty: number): Promise<void> {
  const id = await create(env.admin, 'stock.quant', { product_id: productId, location_id: locationId, inventory_quantity: qty }, { inventory_mode: true });
  await callReturningNone(env.admin, { model: 'stock.quant', method: 'action_apply_inventory', ids: [id] });
}
