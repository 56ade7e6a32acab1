import { XmlRpcTransport } from '../bridge/odoo/xmlrpc-transport.js';
import type { OdooGateway } from '../bridge/odoo/odoo-gateway.js';
import { poll } from '../test/e2e/support/wait.js';

/** A small admin client over the bridge's own XML-RPC transport (the demo reads Odoo as admin). */
export class OdooAdmin {
  readonly gw: OdooGateway;

  private uid = 0;

  constructor(readonly url: string, readonly db: string, login: string, private readonly password: string) {
    this.gw = new XmlRpcTransport({ url, db, username: login, apiKey: password, timeoutMs: 120_000 });
  }

  async connect(): Promise<number> {
    this.uid = await this.gw.connect();
    return this.uid;
  }

  /**
   * execute_kw over JSON-RPC (/jsonrpc), for the few methods that return None (XML-RPC cannot
   * marshal it), e.g. stock.quant.action_apply_inventory.
   */
  async callJson<T = unknown>(model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(new URL('/jsonrpc', this.url), {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(120_000),
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { service: 'object', method: 'execute_kw', args: [this.db, this.uid, this.password, model, method, args, kwargs] } }),
    });
    const body = (await res.json()) as { result?: T; error?: { data?: { message?: string }; message?: string } };
    if (body.error) throw new Error(`${model}.${method}: ${body.error.data?.message ?? body.error.message ?? 'error'}`);
    return body.result as T;
  }

  call<T = unknown>(model: string, method: string, args: unknown[] = [], params?: Record<string, unknown>, context?: Record<string, unknown>): Promise<T> {
    return this.gw.call<T>({ model, method, args, ...(params ? { params } : {}), ...(context ? { context } : {}) });
  }

  searchRead<T = Record<string, unknown>>(model: string, domain: unknown[], fields: string[], extra: Record<string, unknown> = {}): Promise<T[]> {
    return this.gw.call<T[]>({ model, method: 'search_read', params: { domain, fields, ...extra } });
  }

  async search(model: string, domain: unknown[], extra: Record<string, unknown> = {}): Promise<number[]> {
    return this.gw.call<number[]>({ model, method: 'search', params: { domain, ...extra } });
  }

  async create(model: string, vals: Record<string, unknown>, context?: Record<string, unknown>): Promise<number> {
    const ids = await this.gw.call<number[] | number>({ model, method: 'create', args: [[vals]], ...(context ? { context } : {}) });
    return Array.isArray(ids) ? ids[0]! : ids;
  }

  async write(model: string, ids: number[], vals: Record<string, unknown>, context?: Record<string, unknown>): Promise<void> {
    await this.gw.call({ model, method: 'write', args: [ids, vals], ...(context ? { context } : {}) });
  }

  async xmlId(xmlid: string): Promise<number> {
    const [module, name] = xmlid.split('.');
    const rows = await this.searchRead<{ res_id: number }>('ir.model.data', [['module', '=', module], ['name', '=', name]], ['res_id'], { limit: 1 });
    if (!rows[0]) throw new Error(`xml id ${xmlid} not found in Odoo`);
    return rows[0].res_id;
  }

  /** The record with `domain` (archived included), else a new one from `vals`; `update` is written on an existing one. */
  async ensure(model: string, domain: unknown[], vals: Record<string, unknown>, update: Record<string, unknown> = {}): Promise<{ id: number; created: boolean }> {
    const found = await this.search(model, domain, { limit: 1, context: { active_test: false } });
    if (found[0]) {
      if (Object.keys(update).length > 0) await this.write(model, [found[0]], update);
      return { id: found[0], created: false };
    }
    return { id: await this.create(model, vals), created: true };
  }
}

/** Polls `fn` until it returns something other than undefined/false. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 90_000, everyMs = 400): Promise<T> {
  const r = await poll(fn, timeoutMs, everyMs);
  if (r.done) return r.value;
  const last = r.lastError;
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
}
