import { XmlRpcTransport } from '../../../bridge/odoo/xmlrpc-transport.js';
import type { OdooGateway } from '../../../bridge/odoo/odoo-gateway.js';

/**
 * The running Odoo given by the real-Odoo harness (test/harness/odoo-tier.sh) through
 * ODOO_URL, ODOO_DB, ODOO_ADMIN_LOGIN, ODOO_ADMIN_PASSWORD.
 */
export interface OdooTestEnv { url: string; db: string; admin: OdooGateway }

export function odooTestEnv(): OdooTestEnv {
  const url = process.env.ODOO_URL;
  const db = process.env.ODOO_DB;
  if (!url || !db) throw new Error('end-to-end tests need ODOO_URL and ODOO_DB (run them through npm run test:odoo)');
  const admin = new XmlRpcTransport({
    url, db, username: process.env.ODOO_ADMIN_LOGIN ?? 'admin', apiKey: process.env.ODOO_ADMIN_PASSWORD ?? 'admin', timeoutMs: 60_000,
  });
  return { url, db, admin };
}

export const SERVICE_LOGIN = 'sync-bot-e2e';
export const SERVICE_PASSWORD = 'e2e-Service-Passw0rd!';

/** Creates (once) the sidecar's service user in group Sync service, and returns its gateway. */
export async function serviceGateway(env: OdooTestEnv): Promise<OdooGateway> {
  const found = await env.admin.call<number[]>({ model: 'res.users', method: 'search', params: { domain: [['login', '=', SERVICE_LOGIN]] } });
  if (found.length === 0) {
    const groupId = await xmlId(env.admin, 'sync_bridge.group_sync_service');
    await create(env.admin, 'res.users', { name: 'Sync Bot (e2e)', login: SERVICE_LOGIN, password: SERVICE_PASSWORD, groups_id: [[6, 0, [groupId]]] });
  }
  const gw = new XmlRpcTransport({ url: env.url, db: env.db, username: SERVICE_LOGIN, apiKey: SERVICE_PASSWORD, timeoutMs: 60_000 });
  await gw.connect();
  return gw;
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
