/**
 * `npm run demo` (project issue #4): one order walked through quote (HubSpot) -> order ->
 * release (ShipBob) -> partial shipment -> backorder -> second shipment -> return, against a
 * real Odoo with the sync_bridge addon. The vendors are the in-process fakes of test/fakes; the
 * sidecar is the real binary (`node dist/bridge/cli.js start`) with a generated config. After
 * every step the state is read back from Odoo as admin (XML-RPC) and reported.
 *
 * Re-runnable on the same database: master data (warehouses, products, customers, users, stock)
 * is seeded idempotently. The two targets are new for every run (`demo_shipbob_<run>`,
 * `demo_hubspot_<run>`; the previous run's are archived) because the fakes start empty: their
 * ids (deals, shipments, returns) start again at the same numbers, and Odoo keeps message ids
 * and external-id links per target.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setUpOdooPortal } from '../test/fakes/hubspot/portal.js';
import { freePort } from '../test/e2e/support/ports.js';
import { startFake, type HubSpotFake, type ShipBobFake } from '../test/fakes/start.js';
import { OdooAdmin, waitFor } from './odoo.js';
import { makeUserApiKey } from './api-key.js';
import { odooSeriesOf } from '../bridge/odoo/server-version.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface DemoOptions {
  url: string;
  db: string;
  login?: string;
  password?: string;
  /** Seconds to wait for each effect in Odoo (default 90). */
  stepTimeoutSeconds?: number;
}

export interface PickingView {
  id: number; name: string; state: string; type: 'outgoing' | 'incoming' | string;
  backorderOf: string | false; returnOf: string | false; destination: string; tracking: string | false;
  /** Done quantities per SKU (with lot/serial names) from the move lines. */
  lines: Array<{ sku: string; qty: number; lot: string | false; to: string }>;
}

/** What Odoo shows, read back as admin after a step. */
export interface OdooView {
  order: false | {
    id: number; name: string; state: string; deliveryStatus: string | false; syncStatus: string; syncDetail: string | false;
    eventCount: number; exceptionCount: number; inboundCount: number; warehouse: string; customer: string; salesperson: string | false; origin: string | false;
    lines: Array<{ sku: string; ordered: number; delivered: number }>;
  };
  pickings: PickingView[];
  events: Array<{ target: string; type: string; state: string }>;
  openExceptions: Array<{ category: string; message: string }>;
  inbound: Array<{ target: string; kind: string; state: string; messageId: string }>;
}

/** The HubSpot deal of the order, read from the HubSpot fake after a step (order status pushed by the sidecar). */
export interface DealView {
  id: string; dealstage: string | null; pipeline: string | null; orderStatus: string | null; orderRef: string | null;
  companies: string[]; lineItems: number;
}

export interface DemoStep { n: number; key: StepKey; title: string; odoo: OdooView; notes: string[]; deal?: DealView }
export type StepKey = 'seed' | 'quote' | 'release' | 'partial' | 'backorder_done' | 'return';

export interface DemoReporter {
  /** Progress while a step runs. */
  progress(message: string): void;
  /** A step finished: what Odoo shows now. */
  step(step: DemoStep): void;
}

export interface DemoResult {
  orderId: number; orderName: string; orderUrl: string; wmsTarget: string; crmTarget: string;
  steps: DemoStep[]; sidecarLog: string;
  /** Exit code of the sidecar after SIGTERM (0 = clean shutdown). */
  sidecarExitCode: number | null;
}

export const TOTAL_STEPS = 6;

const SKU = { beans: 'DEMO-BEANS-1KG', grinder: 'DEMO-GRINDER', cup: 'DEMO-CUP', jug: 'DEMO-JUG' } as const;
const SERVICE_LOGIN = 'sync-bridge-demo';
const SERVICE_PASSWORD = 'demo-Sync-Bridge-2026!';
const CUSTOMER_EMAIL = 'purchasing@northwind-coffee.example';

interface Seed {
  wmsWarehouseId: number; wmsWarehouse: string; otherWarehouseId: number; customerId: number;
  products: Record<keyof typeof SKU, number>; wmsCode: string; crmCode: string; wmsTargetId: number; crmTargetId: number;
  beansLots: Array<{ lot: string; qty: number }>; serials: string[];
  /** The sidecar's Odoo credential (API key on JSON-2, password on XML-RPC) and protocol. */
  serviceKey: string; protocol: 'xmlrpc' | 'json2';
}

// ---------------------------------------------------------------------------------------------
// Seeding (idempotent)
// ---------------------------------------------------------------------------------------------

/** The field of res.users holding its groups: `groups_id` up to Odoo 18, `group_ids` since 19. */
function groupsField(series: number): string {
  return series >= 19 ? 'group_ids' : 'groups_id';
}

async function hasGroup(odoo: OdooAdmin, series: number, uid: number, xmlid: string): Promise<boolean> {
  const gid = await odoo.xmlId(xmlid);
  return (await odoo.search('res.users', [['id', '=', uid], [groupsField(series), 'in', [gid]]])).length > 0;
}

async function quants(odoo: OdooAdmin, productId: number, locationId: number) {
  return odoo.searchRead<{ id: number; quantity: number; reserved_quantity: number; lot_id: [number, string] | false }>(
    'stock.quant', [['product_id', '=', productId], ['location_id', 'child_of', locationId]], ['quantity', 'reserved_quantity', 'lot_id']);
}

/** An inventory adjustment (Odoo 18: inventory_quantity + Apply) setting the on-hand quantity. */
async function setOnHand(odoo: OdooAdmin, productId: number, locationId: number, qty: number, lotId?: number): Promise<void> {
  const ctx = { inventory_mode: true };
  const id = await odoo.create('stock.quant', { product_id: productId, location_id: locationId, inventory_quantity: qty, ...(lotId ? { lot_id: lotId } : {}) }, ctx);
  await odoo.callJson('stock.quant', 'action_apply_inventory', [[id]], { context: ctx });
}

async function seed(odoo: OdooAdmin, series: number, uid: number, run: string, progress: (m: string) => void): Promise<Seed> {
  // Lots & serial numbers and storage locations visible in the UI (Inventory settings).
  if (!(await hasGroup(odoo, series, uid, 'stock.group_production_lot')) || !(await hasGroup(odoo, series, uid, 'stock.group_stock_multi_locations'))) {
    progress('enabling Inventory settings: Lots & Serial Numbers, Storage Locations');
    const sid = await odoo.create('res.config.settings', { group_stock_production_lot: true, group_stock_multi_locations: true });
    await odoo.gw.call({ model: 'res.config.settings', method: 'execute', ids: [sid] });
  }
  const companyId = (await odoo.searchRead<{ company_id: [number, string] }>('res.users', [['id', '=', uid]], ['company_id']))[0]!.company_id[0];
  const wh = async (code: string, name: string) => (await odoo.ensure('stock.warehouse', [['code', '=', code], ['company_id', '=', companyId]], { name, code, company_id: companyId }, { active: true })).id;
  const wmsWarehouseId = await wh('SBFC', 'ShipBob Fulfilment (demo)');
  const otherWarehouseId = await wh('SHOW', 'Showroom (demo, not managed by the WMS)');
  const [wmsWh] = await odoo.searchRead<{ lot_stock_id: [number, string]; code: string }>('stock.warehouse', [['id', '=', wmsWarehouseId]], ['lot_stock_id', 'code']);
  const [otherWh] = await odoo.searchRead<{ lot_stock_id: [number, string] }>('stock.warehouse', [['id', '=', otherWarehouseId]], ['lot_stock_id']);
  const wmsStock = wmsWh!.lot_stock_id[0];
  const otherStock = otherWh!.lot_stock_id[0];

  // The account manager: the accounts they manage are fulfilled from the ShipBob warehouse
  // (a sale order takes its warehouse from its salesperson's default warehouse).
  const salesman = await odoo.xmlId('sales_team.group_sale_salesman');
  const rep = (await odoo.ensure('res.users', [['login', '=', 'demo.account.manager']], {
    name: 'Dana Reyes (account manager, demo)', login: 'demo.account.manager', email: 'dana.reyes@example.com',
    [groupsField(series)]: [[6, 0, [salesman]]], property_warehouse_id: wmsWarehouseId,
  }, { active: true, property_warehouse_id: wmsWarehouseId })).id;

  const usId = await odoo.xmlId('base.us');
  const customerId = (await odoo.ensure('res.partner', [['email', '=ilike', CUSTOMER_EMAIL], ['parent_id', '=', false]], {
    name: 'Northwind Coffee Roasters', is_company: true, email: CUSTOMER_EMAIL, phone: '+1 206 555 0142',
    street: '1200 Harbor Ave SW', city: 'Seattle', zip: '98126', country_id: usId, user_id: rep,
  }, { active: true, user_id: rep })).id;
  await odoo.ensure('res.partner', [['email', '=ilike', 'orders@harbor-cafe.example']], {
    name: 'Harbor Café (showroom customer)', is_company: true, email: 'orders@harbor-cafe.example',
    street: '88 Pier St', city: 'Portland', zip: '97209', country_id: usId,
  });

  const product = async (sku: string, name: string, price: number, tracking: 'none' | 'lot' | 'serial') => (await odoo.ensure('product.product', [['default_code', '=', sku]], {
    name, default_code: sku, ...(series >= 18 ? { type: 'consu', is_storable: true } : { type: 'product' }), tracking, list_price: price, sale_ok: true, weight: 1,
  }, { active: true })).id;
  const products = {
    beans: await product(SKU.beans, 'Espresso beans, 1 kg bag (lot-tracked)', 18.5, 'lot'),
    grinder: await product(SKU.grinder, 'Burr grinder Pro (serial-tracked)', 249, 'serial'),
    cup: await product(SKU.cup, 'Cappuccino cup 180 ml', 4.5, 'none'),
    jug: await product(SKU.jug, 'Milk jug 600 ml', 12, 'none'),
  };

  // Stock, topped up with inventory adjustments only when a previous run used it up.
  const lot = async (productId: number, name: string) => (await odoo.ensure('stock.lot', [['product_id', '=', productId], ['name', '=', name]], { product_id: productId, name, company_id: companyId })).id;
  for (const name of ['BEANS-2611-A', 'BEANS-2611-B']) {
    const lotId = await lot(products.beans, name);
    const q = (await quants(odoo, products.beans, wmsStock)).filter((x) => x.lot_id && x.lot_id[0] === lotId).reduce((a, x) => a + x.quantity - x.reserved_quantity, 0);
    if (q < 15) { progress(`stock: ${name} -> 30 in ${wmsWh!.code}/Stock`); await setOnHand(odoo, products.beans, wmsStock, 30, lotId); }
  }
  const freeSerials = (await quants(odoo, products.grinder, wmsStock)).filter((x) => x.quantity > 0 && x.reserved_quantity === 0 && x.lot_id);
  if (freeSerials.length < 2) {
    for (let i = 1; i <= 3; i++) {
      const name = `GRD-${run.toUpperCase()}-${i}`;
      progress(`stock: serial ${name} -> 1 in ${wmsWh!.code}/Stock`);
      await setOnHand(odoo, products.grinder, wmsStock, 1, await lot(products.grinder, name));
    }
  }
  for (const [p, min, level, loc] of [[products.cup, 24, 48, wmsStock], [products.jug, 6, 12, wmsStock], [products.cup, 5, 10, otherStock], [products.jug, 2, 5, otherStock]] as const) {
    const qs = await quants(odoo, p, loc);
    const available = qs.reduce((a, x) => a + x.quantity - x.reserved_quantity, 0);
    if (available < min) {
      // The quant of the stock location itself gets what is missing to `level` available units.
      const own = await odoo.searchRead<{ quantity: number }>('stock.quant', [['product_id', '=', p], ['location_id', '=', loc], ['lot_id', '=', false]], ['quantity']);
      await setOnHand(odoo, p, loc, (own[0]?.quantity ?? 0) + level - available);
    }
  }

  // The sidecar's service user: group Sync service only on 18 (XML-RPC with its password). On 19
  // the sidecar speaks JSON-2, which takes API keys only, and only internal users hold one: the
  // user is also an internal user, and gets a key made as a user makes it.
  const serviceGroups = [await odoo.xmlId('sync_bridge.group_sync_service'), ...(series >= 19 ? [await odoo.xmlId('base.group_user')] : [])];
  await odoo.ensure('res.users', [['login', '=', SERVICE_LOGIN]], {
    name: 'Sync Bridge (demo sidecar)', login: SERVICE_LOGIN, password: SERVICE_PASSWORD, [groupsField(series)]: [[6, 0, serviceGroups]],
  }, { active: true, password: SERVICE_PASSWORD, [groupsField(series)]: [[6, 0, serviceGroups]] });
  const serviceKey = series >= 19 ? await makeUserApiKey(odoo.url, odoo.db, SERVICE_LOGIN, SERVICE_PASSWORD, `sync-bridge demo ${run}`) : SERVICE_PASSWORD;

  // This run's targets; the previous runs' are archived (their records stay visible).
  const old = await odoo.search('sync.target', ['|', ['code', '=like', 'demo_shipbob_%'], ['code', '=like', 'demo_hubspot_%']]);
  if (old.length > 0) await odoo.write('sync.target', old, { active: false });
  const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const wmsCode = `demo_shipbob_${run}`;
  const crmCode = `demo_hubspot_${run}`;
  const wmsTargetId = await odoo.create('sync.target', {
    code: wmsCode, name: `ShipBob (demo ${stamp})`, kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [wmsWarehouseId]]],
    trigger_order_release: true, trigger_order_amend: false, trigger_order_cancel: true, trigger_order_status: false,
    trigger_partner_upsert: false, trigger_product_upsert: false, backorder_policy: 'backorder',
  });
  const crmTargetId = await odoo.create('sync.target', {
    code: crmCode, name: `HubSpot (demo ${stamp})`, kind: 'crm', confirm_crm_orders: true, customer_policy: 'create',
    // Order status -> the deal's stage in the fulfilment pipeline (mappings/hubspot/order_status.yaml).
    trigger_order_release: false, trigger_order_amend: false, trigger_order_cancel: false, trigger_order_status: true,
    trigger_partner_upsert: false, trigger_product_upsert: false,
  });

  const beansLots = (await quants(odoo, products.beans, wmsStock)).filter((x) => x.lot_id && x.quantity > 0).map((x) => ({ lot: (x.lot_id as [number, string])[1], qty: x.quantity }))
    .sort((a, b) => a.lot.localeCompare(b.lot));
  const serials = (await quants(odoo, products.grinder, wmsStock)).filter((x) => x.lot_id && x.quantity > 0).map((x) => (x.lot_id as [number, string])[1]);
  return { wmsWarehouseId, wmsWarehouse: wmsWh!.code, otherWarehouseId, customerId, products, wmsCode, crmCode, wmsTargetId, crmTargetId, beansLots, serials, serviceKey, protocol: series >= 19 ? 'json2' : 'xmlrpc' };
}

// ---------------------------------------------------------------------------------------------
// Reading Odoo back
// ---------------------------------------------------------------------------------------------

type M2o = [number, string] | false;

export async function readOdoo(odoo: OdooAdmin, orderId: number | undefined, targetIds: number[]): Promise<OdooView> {
  const view: OdooView = { order: false, pickings: [], events: [], openExceptions: [], inbound: [] };
  const inbound = await odoo.searchRead<{ target_id: M2o; kind: string; state: string; message_id: string }>(
    'sync.inbound.message', [['target_id', 'in', targetIds]], ['target_id', 'kind', 'state', 'message_id'], { order: 'id', context: { active_test: false } });
  view.inbound = inbound.map((m) => ({ target: m.target_id ? m.target_id[1] : '', kind: m.kind, state: m.state, messageId: m.message_id }));
  const exc = await odoo.searchRead<{ category: string; message: string }>('sync.exception', [['target_id', 'in', targetIds], ['state', '=', 'open']], ['category', 'message'], { context: { active_test: false } });
  view.openExceptions = exc.map((e) => ({ category: e.category, message: e.message }));
  if (!orderId) return view;
  const [o] = await odoo.searchRead<{
    name: string; state: string; delivery_status: string | false; sync_status: string; sync_status_detail: string | false; sync_event_count: number;
    sync_exception_count: number; sync_inbound_count: number; warehouse_id: M2o; partner_id: M2o; user_id: M2o; origin: string | false; order_line: number[];
  }>('sale.order', [['id', '=', orderId]], ['name', 'state', 'delivery_status', 'sync_status', 'sync_status_detail', 'sync_event_count', 'sync_exception_count', 'sync_inbound_count', 'warehouse_id', 'partner_id', 'user_id', 'origin', 'order_line']);
  if (!o) return view;
  const lines = await odoo.searchRead<{ product_id: M2o; product_uom_qty: number; qty_delivered: number }>('sale.order.line', [['order_id', '=', orderId], ['display_type', '=', false]], ['product_id', 'product_uom_qty', 'qty_delivered'], { order: 'sequence, id' });
  const skuOf = async (ids: number[]) => new Map((await odoo.searchRead<{ id: number; default_code: string | false }>('product.product', [['id', 'in', ids]], ['default_code'], { context: { active_test: false } })).map((p) => [p.id, p.default_code || `#${p.id}`]));
  const lineSkus = await skuOf(lines.map((l) => (l.product_id as [number, string])[0]));
  view.order = {
    id: orderId, name: o.name, state: o.state, deliveryStatus: o.delivery_status, syncStatus: o.sync_status, syncDetail: o.sync_status_detail,
    eventCount: o.sync_event_count, exceptionCount: o.sync_exception_count, inboundCount: o.sync_inbound_count,
    warehouse: o.warehouse_id ? o.warehouse_id[1] : '', customer: o.partner_id ? o.partner_id[1] : '', salesperson: o.user_id ? o.user_id[1] : false, origin: o.origin,
    lines: lines.map((l) => ({ sku: lineSkus.get((l.product_id as [number, string])[0]) ?? '', ordered: l.product_uom_qty, delivered: l.qty_delivered })),
  };
  const picks = await odoo.searchRead<{ id: number; name: string; state: string; picking_type_code: string; backorder_id: M2o; return_id: M2o; location_dest_id: M2o; sync_tracking_ref: string | false }>(
    'stock.picking', [['sale_id', '=', orderId]], ['name', 'state', 'picking_type_code', 'backorder_id', 'return_id', 'location_dest_id', 'sync_tracking_ref'], { order: 'id' });
  const mls = picks.length === 0 ? [] : await odoo.searchRead<{ picking_id: M2o; product_id: M2o; quantity: number; lot_id: M2o; location_dest_id: M2o }>(
    'stock.move.line', [['picking_id', 'in', picks.map((p) => p.id)]], ['picking_id', 'product_id', 'quantity', 'lot_id', 'location_dest_id'], { order: 'id' });
  const mlSkus = await skuOf([...new Set(mls.map((l) => (l.product_id as [number, string])[0]))]);
  view.pickings = picks.map((p) => ({
    id: p.id, name: p.name, state: p.state, type: p.picking_type_code, backorderOf: p.backorder_id ? p.backorder_id[1] : false, returnOf: p.return_id ? p.return_id[1] : false,
    destination: p.location_dest_id ? p.location_dest_id[1] : '', tracking: p.sync_tracking_ref,
    lines: mls.filter((l) => l.picking_id && l.picking_id[0] === p.id).map((l) => ({
      sku: mlSkus.get((l.product_id as [number, string])[0]) ?? '', qty: l.quantity, lot: l.lot_id ? l.lot_id[1] : false, to: l.location_dest_id ? l.location_dest_id[1] : '',
    })),
  }));
  const pickingIds = picks.map((p) => p.id);
  const events = await odoo.searchRead<{ target_id: M2o; event_type: string; state: string }>('sync.event',
    ['|', ['aggregate_key', '=', `sale.order,${orderId}`], '&', ['model', '=', 'stock.picking'], ['res_id', 'in', pickingIds.length ? pickingIds : [0]]],
    ['target_id', 'event_type', 'state'], { order: 'id', context: { active_test: false } });
  view.events = events.map((e) => ({ target: e.target_id ? e.target_id[1] : '', type: e.event_type, state: e.state }));
  return view;
}

/** The lines of a step's report: what Odoo shows. */
export function formatView(v: OdooView): string[] {
  const out: string[] = [];
  const count = <T>(xs: T[], key: (x: T) => string) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
    return [...m].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
  };
  if (v.order) {
    const o = v.order;
    out.push(`order     ${o.name}  state=${o.state}  delivery=${o.deliveryStatus || '-'}  Sync badge=${o.syncStatus}  (${o.customer}; ${o.warehouse}; from ${o.origin || '-'})`);
    out.push(`          smart buttons: ${o.eventCount} sync events · ${o.exceptionCount} open exceptions · ${o.inboundCount} inbound messages`);
    out.push(`          lines: ${o.lines.map((l) => `${l.sku} ${l.delivered}/${l.ordered} delivered`).join(' · ')}`);
  } else {
    out.push('order     (none yet)');
  }
  for (const p of v.pickings) {
    const rel = p.backorderOf ? ` (backorder of ${p.backorderOf})` : p.returnOf ? ` (return of ${p.returnOf})` : '';
    const detail = p.lines.map((l) => `${l.sku} ${l.qty}${l.lot ? ` [${l.lot}]` : ''}${p.type === 'incoming' ? ` -> ${l.to}` : ''}`).join(', ');
    out.push(`picking   ${p.name}  ${p.state}${rel}${p.tracking ? `  tracking ${p.tracking}` : ''}${detail ? `  : ${detail}` : ''}`);
  }
  out.push(`outbox    ${v.events.length} event(s)${v.events.length ? `: ${count(v.events, (e) => `${e.type} -> ${e.target} ${e.state}`)}` : ''}`);
  out.push(`exceptions ${v.openExceptions.length} open${v.openExceptions.length ? `: ${v.openExceptions.map((e) => `[${e.category}] ${e.message}`).join(' | ')}` : ''}`);
  out.push(`inbound   ${v.inbound.length} message(s)${v.inbound.length ? `: ${count(v.inbound, (m) => `${m.kind} ${m.state}`)}` : ''}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

interface Sidecar { proc: ChildProcess; port: number; log: string; tail: () => string; stop: () => Promise<number | null> }

function startSidecar(opts: DemoOptions, dir: string, port: number, seedData: Seed, sb: ShipBobFake, hs: HubSpotFake): Sidecar {
  const config = `# generated by npm run demo
odoo: { url: '${opts.url}', db: '${opts.db}', username: ${SERVICE_LOGIN}, api_key: { env: ODOO_API_KEY }, protocol: ${seedData.protocol} }
worker: { batch_size: 20, poll_min_ms: 100, poll_max_ms: 500, lease_seconds: 60, backoff_base_ms: 500, backoff_max_ms: 2000 }
state: { path: '${path.join(dir, 'state.sqlite')}' }
server: { port: ${port}, host: 127.0.0.1 }
inbound: { poll_ms: 200, backoff_base_ms: 500, backoff_max_ms: 2000 }
mappings: { dir: '${path.join(root, 'mappings')}' }
targets:
  ${seedData.wmsCode}:
    preset: shipbob
    base_url: '${sb.baseUrl}/'
    auth: { type: bearer, token: { env: SHIPBOB_TOKEN } }
    webhook_secret: { env: SHIPBOB_WEBHOOK_SECRET }
    options: { channel_id: ${sb.channels[0]!.id} }
  ${seedData.crmCode}:
    preset: hubspot
    base_url: '${hs.url}'
    auth: { type: bearer, token: { env: HUBSPOT_TOKEN } }
    webhook_secret: { env: HUBSPOT_APP_SECRET }
`;
  const file = path.join(dir, 'bridge.config.yaml');
  fs.writeFileSync(file, config);
  const log = path.join(dir, 'sidecar.log');
  const out = fs.createWriteStream(log, { flags: 'a' });
  let tail = '';
  const proc = spawn(process.execPath, [path.join(root, 'dist/bridge/cli.js'), 'start', '--config', file], {
    env: {
      PATH: process.env.PATH ?? '', ODOO_USERNAME: SERVICE_LOGIN, ODOO_API_KEY: seedData.serviceKey, LOG_FORMAT: 'json', LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      SHIPBOB_TOKEN: sb.tokens[0]!, SHIPBOB_WEBHOOK_SECRET: sb.webhookSecret, HUBSPOT_TOKEN: hs.tokens[0]!, HUBSPOT_APP_SECRET: hs.appSecret,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => { out.write(d); tail = (tail + d.toString()).slice(-20_000); };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => { proc.once('exit', (code) => { out.end(); resolve(code); }); });
  return {
    proc, port, log, tail: () => tail,
    stop: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      return exited.finally(() => clearTimeout(timer));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The walk
// ---------------------------------------------------------------------------------------------

/** Lots/serials Odoo reserved on a delivery, shipped greedily up to `qty` (what the warehouse picks). */
function pickFrom(p: PickingView, sku: string, qty: number): Array<{ lot: string; quantity: number }> {
  const out: Array<{ lot: string; quantity: number }> = [];
  let left = qty;
  for (const l of p.lines.filter((x) => x.sku === sku && x.lot)) {
    if (left <= 0) break;
    const q = Math.min(left, l.qty);
    const prev = out.find((x) => x.lot === l.lot);
    if (prev) prev.quantity += q; else out.push({ lot: l.lot as string, quantity: q });
    left -= q;
  }
  return out;
}

let activeCleanup: (() => Promise<void>) | undefined;
/** Stops the sidecar and the fakes of a demo in progress (Ctrl-C). */
export async function abortDemo(): Promise<void> {
  await activeCleanup?.();
}

export async function runDemo(opts: DemoOptions, reporter: DemoReporter): Promise<DemoResult> {
  const timeout = (opts.stepTimeoutSeconds ?? 90) * 1000;
  const odoo = new OdooAdmin(opts.url, opts.db, opts.login ?? 'admin', opts.password ?? 'admin');
  const steps: DemoStep[] = [];
  const run = Date.now().toString(36);
  let seedData: Seed | undefined;
  let orderId: number | undefined;
  let dealOf: (() => DealView | undefined) | undefined;
  const report = async (key: StepKey, title: string, notes: string[] = []) => {
    const odooView = await readOdoo(odoo, orderId, seedData ? [seedData.wmsTargetId, seedData.crmTargetId] : []);
    const deal = dealOf?.();
    if (deal) notes.push(`HubSpot deal ${deal.id}: dealstage=${deal.dealstage ?? '-'} (pipeline ${deal.pipeline ?? '-'}), odoo_order_status=${deal.orderStatus ?? '-'}, ${deal.lineItems} line items, companies ${deal.companies.join(', ') || '-'}`);
    const step: DemoStep = { n: steps.length + 1, key, title, odoo: odooView, notes, ...(deal ? { deal } : {}) };
    steps.push(step);
    reporter.step(step);
    return step;
  };
  const expectIn = <T>(what: string, fn: () => Promise<T | undefined | false>) => waitFor(`Odoo to show ${what}`, fn, timeout);

  reporter.progress(`connecting to Odoo ${opts.url} (database ${opts.db}) as ${opts.login ?? 'admin'}`);
  const uid = await odoo.connect();
  const series = odooSeriesOf(await odoo.gw.serverVersion());
  const info = await odoo.search('ir.module.module', [['name', '=', 'sync_bridge'], ['state', '=', 'installed']]);
  if (info.length === 0) throw new Error(`the sync_bridge addon is not installed in database ${opts.db}`);

  // 1. Seed.
  reporter.progress('seeding the demo distributor (idempotent): warehouses, products, stock, customers, users, targets');
  seedData = await seed(odoo, series, uid, run, (m) => reporter.progress(m));
  const s = seedData;
  await report('seed', `Seeded: warehouses SBFC (managed by ${s.wmsCode}) and SHOW (not managed), 4 products, customer Northwind Coffee Roasters, targets ${s.wmsCode} + ${s.crmCode}`, [
    `stock in SBFC: ${s.beansLots.map((l) => `${l.lot} ${l.qty}`).join(', ')}; serials ${s.serials.join(', ')}`,
  ]);

  // 2. Vendors (fakes, in this process) and the sidecar (the real binary).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sync-bridge-demo-'));
  const port = await freePort();
  const sb = await startFake('shipbob');
  const hs = await startFake('hubspot');
  // The HubSpot portal as docs/presets/hubspot.md sets it up: unique Odoo-id properties, the order
  // properties and the fulfilment pipeline whose stages the order status moves the deal through.
  setUpOdooPortal(hs, [{ email: 'dana.reyes@example.com', firstName: 'Dana', lastName: 'Reyes' }]);
  let sidecar: Sidecar | undefined;
  let cleaned = false;
  let exitCode: number | null = 0;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    const code = sidecar ? await sidecar.stop() : 0;
    exitCode = code;
    await Promise.allSettled([sb.close(), hs.close()]);
    // The targets stay (their events, links and messages are what Odoo shows), but with nobody
    // delivering them: the CRM target's order-status trigger (every order of the company) is
    // switched off so later orders do not queue events for a HubSpot that is gone.
    await odoo.write('sync.target', [s.crmTargetId], { trigger_order_status: false }).catch((err: unknown) => {
      reporter.progress(`could not switch off the order status trigger of ${s.crmCode}: ${err instanceof Error ? err.message : String(err)}`);
    });
    if (code !== 0 && sidecar) reporter.progress(`sidecar exited with code ${String(code)}; log: ${sidecar.log}`);
  };
  activeCleanup = cleanup;
  try {
    sb.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${s.wmsCode}`);
    hs.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${s.crmCode}`);
    // The WMS's item master: the SKUs Odoo sells, with the same lots/serials in its bins.
    sb.store.setInventory({ sku: SKU.beans, lots: s.beansLots.map((l) => ({ lot_number: l.lot, quantity: l.qty })) });
    sb.store.setInventory({ sku: SKU.grinder, on_hand: s.serials.length });
    sb.store.setInventory({ sku: SKU.cup, on_hand: 200 });
    sb.store.setInventory({ sku: SKU.jug, on_hand: 50 });
    reporter.progress(`ShipBob fake at ${sb.baseUrl}, HubSpot fake at ${hs.url}`);
    sidecar = startSidecar(opts, dir, port, s, sb, hs);
    reporter.progress(`sidecar starting: node dist/bridge/cli.js start --config ${path.join(dir, 'bridge.config.yaml')} (log ${sidecar.log})`);
    const sc = sidecar;
    await waitFor('the sidecar to be ready (/readyz)', async () => {
      if (sc.proc.exitCode !== null) throw new Error(`sidecar exited with code ${sc.proc.exitCode}:\n${sc.tail().slice(-3000)}`);
      const r = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5000) });
      return r.ok;
    }, 120_000, 500).catch((err: unknown) => { throw new Error(`${err instanceof Error ? err.message : String(err)}\n${sc.tail().slice(-3000)}`); });
    reporter.progress(`sidecar ready on http://127.0.0.1:${port} (webhooks: /webhooks/${s.wmsCode}, /webhooks/${s.crmCode})`);

    // 3. HubSpot: the rep wins the deal; the webhook becomes a confirmed sale order in Odoo.
    const company = hs.store.create('companies', { name: 'Northwind Coffee Roasters', address: '1200 Harbor Ave SW', city: 'Seattle', zip: '98126', state: 'WA', country: 'United States' });
    const contact = hs.store.create('contacts', { email: CUSTOMER_EMAIL, firstname: 'Priya', lastname: 'Natarajan' });
    reporter.progress('HubSpot: deal "Northwind - spring restock" moved to Closed Won with 4 line items');
    const won = await hs.sim.closeWonDeal({
      deal: { dealname: 'Northwind - spring restock' }, companyId: company.id, contactId: contact.id,
      lineItems: [
        { name: 'Espresso beans 1 kg', hs_sku: SKU.beans, quantity: 10, price: 18.5 },
        { name: 'Burr grinder Pro', hs_sku: SKU.grinder, quantity: 2, price: 249 },
        { name: 'Cappuccino cup', hs_sku: SKU.cup, quantity: 12, price: 4.5 },
        { name: 'Milk jug', hs_sku: SKU.jug, quantity: 3, price: 12 },
      ],
    });
    reporter.progress(`HubSpot sent deal.propertyChange (dealstage=closedwon) for deal ${won.deal.id}: sidecar answered ${won.deliveries.map((d) => d.status).join(', ')}`);
    orderId = await expectIn(`the confirmed sale order of HubSpot deal ${won.deal.id}`, async () => {
      const link = await odoo.searchRead<{ res_id: number }>('sync.link', [['target_id', '=', s.crmTargetId], ['model', '=', 'sale.order'], ['external_id', '=', won.deal.id]], ['res_id']);
      if (!link[0]) return undefined;
      const [o] = await odoo.searchRead<{ state: string }>('sale.order', [['id', '=', link[0].res_id]], ['state']);
      return o?.state === 'sale' ? link[0].res_id : undefined;
    });
    const [so] = await odoo.searchRead<{ name: string }>('sale.order', [['id', '=', orderId]], ['name']);
    const orderName = so!.name;
    const dealId = won.deal.id;
    dealOf = () => {
      const d = hs.store.get('deals', dealId);
      if (!d) return undefined;
      return {
        id: d.id, dealstage: d.properties['dealstage'] ?? null, pipeline: d.properties['pipeline'] ?? null, orderStatus: d.properties['odoo_order_status'] ?? null,
        orderRef: d.properties['odoo_order_ref'] ?? null, companies: hs.store.associatedIds(d, 'companies'), lineItems: hs.store.associatedIds(d, 'line_items').length,
      };
    };
    /** The order's status events to HubSpot acknowledged in Odoo (done). */
    const statusDone = () => expectIn(`the order status events of ${orderName} done`, async () => {
      const ev = await odoo.searchRead<{ state: string }>('sync.event', [['target_id', '=', s.crmTargetId], ['model', '=', 'sale.order'], ['res_id', '=', orderId], ['event_type', '=', 'status']], ['state']);
      return ev.length > 0 && ev.every((e) => e.state === 'done');
    });
    /** The order status reaches the deal (its stage in the fulfilment pipeline) and is acknowledged in Odoo. */
    const dealStage = async (stage: string) => {
      await waitFor(`HubSpot deal ${dealId} at stage ${stage}`, async () => dealOf!()?.dealstage === stage, timeout);
      await statusDone();
    };
    reporter.progress(`waiting for the order status of ${orderName} to reach HubSpot deal ${dealId}`);
    await dealStage('odoo_confirmed');
    await report('quote', `HubSpot deal ${won.deal.id} closed-won -> webhook -> sale order ${orderName} created and confirmed in Odoo`);

    // 4. Release: the order's release event is delivered to ShipBob.
    reporter.progress(`waiting for the sidecar to release ${orderName} to ShipBob`);
    const sbOrder = await waitFor(`ShipBob order ${orderName}`, async () => sb.store.orders.find((o) => o.reference_id === orderName), timeout);
    await expectIn(`the release event of ${orderName} done`, async () => {
      const ev = await odoo.searchRead<{ state: string }>('sync.event', [['target_id', '=', s.wmsTargetId], ['model', '=', 'sale.order'], ['res_id', '=', orderId], ['event_type', '=', 'release']], ['state']);
      return ev.length > 0 && ev.every((e) => e.state === 'done');
    });
    await statusDone();
    await report('release', `Released: ShipBob order ${sbOrder.id} (${sbOrder.status}) created with reference ${orderName}`, [
      `ShipBob lines: ${sbOrder.products.map((p) => `${p.reference_id} ×${p.quantity}`).join(', ')}`,
    ]);

    // 5. Partial shipment with lots and a serial number.
    let view = steps[steps.length - 1]!.odoo;
    const out1 = view.pickings.find((p) => p.type === 'outgoing' && p.state !== 'done' && p.state !== 'cancel');
    if (!out1) throw new Error(`${orderName} has no open delivery in Odoo`);
    // The warehouse picks the beans from two lots (Odoo had reserved them from one: the
    // shipment's lots replace the reservation).
    const [lotA, lotB] = s.beansLots;
    const beans1 = lotA && lotB ? [{ lot: lotA.lot, quantity: 4 }, { lot: lotB.lot, quantity: 2 }] : pickFrom(out1, SKU.beans, 6);
    const serial1 = pickFrom(out1, SKU.grinder, 1).map((x) => x.lot);
    const ship1 = await sb.sim.ship(sbOrder.id, {
      lines: [
        { sku: SKU.beans, quantity: 6, lots: beans1.length ? beans1 : [{ lot: s.beansLots[0]!.lot, quantity: 6 }] },
        { sku: SKU.grinder, quantity: 1, serial_numbers: serial1.length ? serial1 : [s.serials[0]!] },
        { sku: SKU.cup, quantity: 12 },
      ],
    });
    reporter.progress(`ShipBob shipped part of ${orderName} (shipment ${ship1.shipment.id}: beans 6 [${(beans1).map((l) => `${l.lot}×${l.quantity}`).join(', ')}], grinder 1 [${serial1.join(', ')}], cups 12); order.shipped webhook answered ${ship1.deliveries.map((d) => d.status).join(', ')}`);
    await expectIn(`${out1.name} done and a backorder`, async () => {
      const v = await readOdoo(odoo, orderId, [s.wmsTargetId, s.crmTargetId]);
      const done = v.pickings.find((p) => p.id === out1.id && p.state === 'done');
      const bo = v.pickings.find((p) => p.backorderOf === out1.name && p.state !== 'done' && p.state !== 'cancel');
      return done && bo ? v : undefined;
    });
    await dealStage('odoo_partially_shipped');
    await report('partial', `Partial shipment ${ship1.shipment.id}: ${out1.name} validated with lots/serial, backorder created for the rest`);

    // 6. The rest ships: the backorder is validated.
    view = steps[steps.length - 1]!.odoo;
    const bo = view.pickings.find((p) => p.backorderOf === out1.name && p.state !== 'done')!;
    const beans2 = pickFrom(bo, SKU.beans, 4);
    const serial2 = pickFrom(bo, SKU.grinder, 1).map((x) => x.lot);
    const ship2 = await sb.sim.ship(sbOrder.id, {
      lines: [
        { sku: SKU.beans, quantity: 4, lots: beans2.length ? beans2 : [{ lot: s.beansLots[s.beansLots.length - 1]!.lot, quantity: 4 }] },
        { sku: SKU.grinder, quantity: 1, serial_numbers: serial2.length ? serial2 : s.serials.filter((x) => !serial1.includes(x)).slice(0, 1) },
        { sku: SKU.jug, quantity: 3 },
      ],
    });
    reporter.progress(`ShipBob shipped the rest (shipment ${ship2.shipment.id}: beans 4 [${beans2.map((l) => `${l.lot}×${l.quantity}`).join(', ')}], grinder 1 [${serial2.join(', ')}], jugs 3); webhook answered ${ship2.deliveries.map((d) => d.status).join(', ')}`);
    await expectIn(`backorder ${bo.name} done`, async () => {
      const v = await readOdoo(odoo, orderId, [s.wmsTargetId, s.crmTargetId]);
      const outs = v.pickings.filter((p) => p.type === 'outgoing');
      return outs.length >= 2 && outs.every((p) => p.state === 'done' || p.state === 'cancel') && v.order && v.order.deliveryStatus === 'full';
    });
    await dealStage('odoo_shipped');
    await report('backorder_done', `Second shipment ${ship2.shipment.id}: backorder ${bo.name} validated, ${orderName} fully delivered`);

    // 7. A return: two cups back to stock, one (broken) milk jug scrapped. One action per
    // returned SKU, untracked products: mappings/shipbob/return_received.yaml reads
    // action_taken[].quantity and inventory[].lot, while ShipBob (and the fake) send
    // action_taken[].quantity_processed and action_taken[].lot_information.lot_number, so a
    // split line (restock 2 + dispose 1 of 3) maps to 3 + 3 and a lot-tracked return has no lot.
    // Reported to the mappings' owners; the demo does not patch the shipped mapping.
    const created = await sb.sim.createReturn({
      order_id: sbOrder.id, reference_id: `RMA-${orderName}-${run}`.replace(/[^A-Za-z0-9-]/g, '-'),
      lines: [{ sku: SKU.cup, quantity: 2, action: 'Restock' }, { sku: SKU.jug, quantity: 1, action: 'Dispose' }],
    });
    reporter.progress(`ShipBob return ${created.return.id} created (return.created: sidecar answered ${created.deliveries.map((d) => d.status).join(', ')}, not a message Odoo applies)`);
    const done = await sb.sim.completeReturn(created.return.id, [
      { sku: SKU.cup, quantity: 2, action: 'Restock' },
      { sku: SKU.jug, quantity: 1, action: 'Dispose', reason: 'Broken in transit' },
    ]);
    reporter.progress(`ShipBob completed return ${created.return.id}: cups 2 restocked, jug 1 disposed; return.completed webhook answered ${done.deliveries.map((d) => d.status).join(', ')}`);
    await expectIn(`the return of ${orderName} validated`, async () => {
      const v = await readOdoo(odoo, orderId, [s.wmsTargetId, s.crmTargetId]);
      const rets = v.pickings.filter((p) => p.type === 'incoming');
      return v.inbound.some((m) => m.kind === 'return' && m.state !== 'pending') && rets.length > 0 && rets.every((p) => p.state === 'done') ? v : undefined;
    }).catch(async (err: unknown) => {
      const v = await readOdoo(odoo, orderId, [s.wmsTargetId, s.crmTargetId]);
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${formatView(v).join('\n')}`);
    });
    await statusDone();
    await report('return', `Return ${created.return.id} (RMA): return picking(s) validated in Odoo, cups to stock, jug to scrap`);

    const orderUrl = `${opts.url.replace(/\/$/, '')}/odoo/orders/${orderId}`;
    const log = sidecar.log;
    await cleanup();
    return { orderId, orderName, orderUrl, wmsTarget: s.wmsCode, crmTarget: s.crmCode, steps, sidecarLog: log, sidecarExitCode: exitCode };
  } finally {
    await cleanup();
    activeCleanup = undefined;
  }
}
