import { XmlRpcTransport } from '../../../bridge/odoo/xmlrpc-transport.js';
import { makeUserApiKey } from '../../../demo/api-key.js';
import type { OdooCall, OdooGateway } from '../../../bridge/odoo/odoo-gateway.js';

/**
 * The running Odoo given by the real-Odoo harness (test/harness/odoo-tier.sh) through
 * ODOO_URL, ODOO_DB, ODOO_ADMIN_LOGIN, ODOO_ADMIN_PASSWORD; ODOO_SERIES (default 18) and
 * ODOO_PROTOCOL (the sidecar's `odoo.protocol`, default xmlrpc; json2 on Odoo 19+). Test set-up
 * talks XML-RPC as admin on every series; the sidecars under test speak `protocol` as the
 * service user (with an API key of its own on json2, made by serviceGateway).
 */
export interface OdooTestEnv {
  url: string; db: string; admin: OdooGateway;
  series: number;
  protocol: 'xmlrpc' | 'json2';
  /** The service user's API key on json2 (set by serviceGateway); its password on XML-RPC. */
  serviceKey?: string;
}

export function odooTestEnv(): OdooTestEnv {
  const url = process.env.ODOO_URL;
  const db = process.env.ODOO_DB;
  if (!url || !db) throw new Error('end-to-end tests need ODOO_URL and ODOO_DB (run them through npm run test:odoo)');
  const admin = new XmlRpcTransport({
    url, db, username: process.env.ODOO_ADMIN_LOGIN ?? 'admin', apiKey: process.env.ODOO_ADMIN_PASSWORD ?? 'admin', timeoutMs: 60_000,
  });
  const series = Number.parseInt(process.env.ODOO_SERIES ?? '18', 10);
  const protocol = process.env.ODOO_PROTOCOL === 'json2' ? 'json2' : 'xmlrpc';
  return { url, db, admin, series, protocol };
}

/** The field of res.users holding its groups: `groups_id` up to Odoo 18, `group_ids` since 19. */
export function groupsField(env: OdooTestEnv): string {
  return env.series >= 19 ? 'group_ids' : 'groups_id';
}

/** Values that make a new product storable: `is_storable` (goods, `consu`) since Odoo 18, `type: 'product'` on 17. */
export function storableVals(env: OdooTestEnv): Record<string, unknown> {
  return env.series >= 18 ? { type: 'consu', is_storable: true } : { type: 'product' };
}

/** Skips the running test on `series` and later, saying why (a known addon difference there). */
export function skipFromSeries(ctx: Mocha.Context, env: OdooTestEnv, series: number, why: string): void {
  if (env.series >= series) {
    console.log(`      skipped on Odoo ${env.series}: ${why}`);
    ctx.skip();
  }
}

/**
 * The CLI's Odoo credentials as administrator (a Sync manager): the admin password on XML-RPC,
 * its API key (ODOO_ADMIN_KEY) on JSON-2.
 */
export function adminCliEnv(env: OdooTestEnv): Record<string, string> {
  const key = env.protocol === 'json2' ? process.env.ODOO_ADMIN_KEY : process.env.ODOO_ADMIN_PASSWORD ?? 'admin';
  if (!key) throw new Error('ODOO_PROTOCOL=json2 needs ODOO_ADMIN_KEY (an API key of the administrator)');
  return { ODOO_USERNAME: process.env.ODOO_ADMIN_LOGIN ?? 'admin', ODOO_API_KEY: key, ODOO_PROTOCOL: env.protocol };
}

/** The sidecar's Odoo credentials from the environment (ODOO_USERNAME, ODOO_API_KEY, ODOO_PROTOCOL). */
export function serviceEnv(env: OdooTestEnv): Record<string, string> {
  return { ODOO_USERNAME: SERVICE_LOGIN, ODOO_API_KEY: env.serviceKey ?? SERVICE_PASSWORD, ODOO_PROTOCOL: env.protocol };
}

export const SERVICE_LOGIN = 'sync-bot-e2e';
export const SERVICE_PASSWORD = 'e2e-Service-Passw0rd!';

/** Creates (once) the sidecar's service user in group Sync service, and returns its gateway. */
export async function serviceGateway(env: OdooTestEnv): Promise<OdooGateway> {
  const found = await env.admin.call<number[]>({ model: 'res.users', method: 'search', params: { domain: [['login', '=', SERVICE_LOGIN]] } });
  if (found.length === 0) {
    const groupId = await xmlId(env.admin, 'sync_bridge.group_sync_service');
    await create(env.admin, 'res.users', { name: 'Sync Bot (e2e)', login: SERVICE_LOGIN, password: SERVICE_PASSWORD, [groupsField(env)]: [[6, 0, [groupId]]] });
  }
  if (env.protocol === 'json2' && !env.serviceKey) {
    // On Odoo 19 only internal users hold API keys, and the JSON-2 transport reads the user by
    // its login (res.users) at connect: the JSON-2 service user is an internal user too.
    const [uid] = await env.admin.call<number[]>({ model: 'res.users', method: 'search', params: { domain: [['login', '=', SERVICE_LOGIN]] } });
    await env.admin.call({ model: 'res.users', method: 'write', args: [[uid], { [groupsField(env)]: [[4, await xmlId(env.admin, 'base.group_user')]] }] });
    env.serviceKey = await makeApiKey(env, SERVICE_LOGIN, SERVICE_PASSWORD);
  }
  const gw = new XmlRpcTransport({ url: env.url, db: env.db, username: SERVICE_LOGIN, apiKey: SERVICE_PASSWORD, timeoutMs: 60_000 });
  await gw.connect();
  return gw;
}

/**
 * A new API key of `login` (JSON-2 takes no passwords), made the way a user makes one in the
 * web client: a session, the key wizard, the identity check with the password (Odoo 19; a
 * non-administrator's key lasts one day at most).
 */
export function makeApiKey(env: OdooTestEnv, login: string, password: string): Promise<string> {
  return makeUserApiKey(env.url, env.db, login, password, 'sync-bridge e2e');
}

export async function xmlId(gw: OdooGateway, xmlid: string): Promise<number> {
  const [module, name] = xmlid.split('.');
  const rows = await gw.call<Array<{ res_id: number }>>({
    model: 'ir.model.data', method: 'search_read',
    params: { domain: [['module', '=', module], ['name', '=', name]], fields: ['res_id'], limit: 1 },
  });
  if (!rows[0]) throw new Error(`xml id ${xmlid} not found`);
  return rows[0].res_id;
}

export async function create(gw: OdooGateway, model: string, vals: Record<string, unknown>, context?: Record<string, unknown>): Promise<number> {
  const ids = await gw.call<number[] | number>({ model, method: 'create', args: [[vals]], context });
  return Array.isArray(ids) ? ids[0]! : ids;
}

export async function searchRead<T = Record<string, unknown>>(gw: OdooGateway, model: string, domain: unknown[], fields: string[], extra: Record<string, unknown> = {}): Promise<T[]> {
  return gw.call<T[]>({ model, method: 'search_read', params: { domain, fields, ...extra } });
}

/**
 * A call to a method that returns None (e.g. stock.quant.action_apply_inventory): Odoo commits,
 * then XML-RPC cannot marshal the answer. That error is expected and dropped; others are thrown.
 */
export async function callReturningNone(gw: OdooGateway, call: OdooCall): Promise<void> {
  await gw.call(call).catch((err: unknown) => {
    if (!/cannot marshal None/.test(String(err))) throw err;
  });
}

/** Odoo's UTC datetime strings ('YYYY-MM-DD HH:MM:SS') as epoch milliseconds. */
export function odooTime(value: string | false | null | undefined): number {
  return value ? Date.parse(`${value.replace(' ', 'T')}Z`) : Number.NaN;
}

/** Creates the sync.target `code` or updates it (also when archived) with `vals`; returns its id. */
export async function ensureTarget(env: OdooTestEnv, code: string, vals: Record<string, unknown>): Promise<number> {
  const found = await searchRead<{ id: number }>(env.admin, 'sync.target', [['code', '=', code]], ['id'], { context: { active_test: false } });
  if (found[0]) {
    await env.admin.call({ model: 'sync.target', method: 'write', args: [[found[0].id], { active: true, ...vals }] });
    return found[0].id;
  }
  return create(env.admin, 'sync.target', { code, name: code, active: true, ...vals });
}

/**
 * A warehouse of the suite's own (by short code, created once): a WMS target restricted to it
 * sees only the suite's orders, and the suite's orders trigger no other suite's target.
 */
export async function ensureWarehouse(env: OdooTestEnv, code: string): Promise<number> {
  const found = await searchRead<{ id: number }>(env.admin, 'stock.warehouse', [['code', '=', code]], ['id'], { context: { active_test: false } });
  if (found[0]) return found[0].id;
  return create(env.admin, 'stock.warehouse', { name: `E2E ${code}`, code });
}

export async function ensureProduct(env: OdooTestEnv, defaultCode: string, name: string, price = 10): Promise<number> {
  const found = await searchRead<{ id: number }>(env.admin, 'product.product', [['default_code', '=', defaultCode]], ['id']);
  if (found[0]) return found[0].id;
  return create(env.admin, 'product.product', { name, default_code: defaultCode, type: 'consu', list_price: price });
}

/** A storable product (storableVals) by default code, created once: name = the code unless `vals` say otherwise. */
export async function ensureStorableProduct(env: OdooTestEnv, defaultCode: string, vals: Record<string, unknown> = {}): Promise<number> {
  const found = await searchRead<{ id: number }>(env.admin, 'product.product', [['default_code', '=', defaultCode]], ['id']);
  if (found[0]) return found[0].id;
  return create(env.admin, 'product.product', { name: defaultCode, default_code: defaultCode, ...storableVals(env), ...vals });
}

/** `n` customers with a complete US address and a valid email (what the WMS mappings need). */
export async function createCustomers(env: OdooTestEnv, n: number, tag: string): Promise<number[]> {
  const usId = await xmlId(env.admin, 'base.us');
  const vals = Array.from({ length: n }, (_, i) => ({
    name: `Customer ${tag} ${i}`, email: `c${i}.${tag}@example.com`.toLowerCase(), street: `${i + 1} Main St`,
    city: 'Springfield', zip: '62701', country_id: usId,
  }));
  return env.admin.call<number[]>({ model: 'res.partner', method: 'create', args: [vals] });
}

export interface TestOrder { id: number; name: string }

/**
 * Creates and confirms `count` sale orders (one product line each) in batches: one `create`
 * and one `action_confirm` call per batch, so each batch commits (and writes its outbox
 * events) in one transaction. `onBatch` sees each confirmed batch.
 */
export async function createConfirmedOrders(env: OdooTestEnv, opts: {
  count: number; productId: number; partnerIds: number[]; warehouseId?: number; batch?: number; qty?: number;
  onBatch?: (orders: TestOrder[]) => void | Promise<void>;
}): Promise<TestOrder[]> {
  const batch = opts.batch ?? 50;
  const out: TestOrder[] = [];
  for (let done = 0; done < opts.count; done += batch) {
    const n = Math.min(batch, opts.count - done);
    const vals = Array.from({ length: n }, (_, i) => ({
      partner_id: opts.partnerIds[(done + i) % opts.partnerIds.length],
      ...(opts.warehouseId ? { warehouse_id: opts.warehouseId } : {}),
      order_line: [[0, 0, { product_id: opts.productId, product_uom_qty: opts.qty ?? 1 + ((done + i) % 5), price_unit: 10 }]],
    }));
    const ids = await env.admin.call<number[]>({ model: 'sale.order', method: 'create', args: [vals] });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids });
    const rows = await searchRead<TestOrder>(env.admin, 'sale.order', [['id', 'in', ids]], ['name'], { order: 'id' });
    const orders = rows.map((r) => ({ id: r.id, name: r.name }));
    out.push(...orders);
    await opts.onBatch?.(orders);
  }
  return out;
}

/** Number of sync.event rows per state for one target (optionally narrowed by a domain). */
export async function eventStates(env: OdooTestEnv, targetCode: string, domain: unknown[] = []): Promise<Record<string, number>> {
  const groups = await env.admin.call<Array<{ state: string; __count?: number; state_count?: number }>>({
    model: 'sync.event', method: 'read_group',
    params: { domain: [['target_id.code', '=', targetCode], ...domain], fields: ['state'], groupby: ['state'], lazy: false },
  });
  const out: Record<string, number> = {};
  for (const g of groups) out[g.state] = Number(g.__count ?? g.state_count ?? 0);
  return out;
}

/** sync_status of many records (computed field: read in chunks). */
export async function syncStatuses(env: OdooTestEnv, model: string, ids: number[], chunk = 500): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < ids.length; i += chunk) {
    const rows = await searchRead<{ id: number; sync_status: string }>(env.admin, model, [['id', 'in', ids.slice(i, i + chunk)]], ['sync_status']);
    for (const r of rows) out.set(r.id, r.sync_status);
  }
  return out;
}

/**
 * Leftovers of earlier runs of a suite on the same database (a developer re-running it): open
 * events of its targets are cancelled and their links removed. A fresh vendor fake numbers its
 * ids from the start again, so an old link would make Odoo refuse the new results (link_conflict).
 */
export async function resetTargets(env: OdooTestEnv, codes: string[]): Promise<void> {
  const stale = await searchRead<{ id: number }>(env.admin, 'sync.event', [['target_id.code', 'in', codes], ['state', 'not in', ['done', 'cancelled']]], ['id']);
  if (stale.length > 0) await env.admin.call({ model: 'sync.event', method: 'write', args: [stale.map((e) => e.id), { state: 'cancelled' }] });
  const links = await env.admin.call<number[]>({ model: 'sync.link', method: 'search', params: { domain: [['target_id.code', 'in', codes]] } });
  if (links.length > 0) await env.admin.call({ model: 'sync.link', method: 'unlink', args: [links] });
}
