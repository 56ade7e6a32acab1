import Odoo from 'odoo-await';
import { BridgeError } from '../errors/index.js';
import { classifyNetworkError, classifyXmlRpcFault, type FaultLike } from './classify-fault.js';
import { OdooAuthError, OdooUnavailableError } from './odoo-errors.js';
import type { OdooCall, OdooConnection, OdooGateway } from './odoo-gateway.js';
import { fetchServerVersion } from './server-version.js';

/**
 * Odoo 17/18 external API over XML-RPC (/xmlrpc/2/object execute_kw) through odoo-await.
 * The API key stands in for the password. uid is cached; on AccessDenied the transport
 * authenticates again once (key rotated, user re-enabled) before giving up.
 */
export class XmlRpcTransport implements OdooGateway {
  readonly protocol = 'xmlrpc' as const;
  private readonly client: Odoo;
  private uid = 0;

  constructor(private readonly conn: OdooConnection) {
    this.client = new Odoo({ baseUrl: conn.url, db: conn.db, username: conn.username, password: conn.apiKey });
  }

  async connect(): Promise<number> {
    try {
      this.uid = Number(await this.withTimeout(this.client.connect(), 'authenticate'));
    } catch (err) {
      if (typeof err === 'string') throw new OdooAuthError(`authenticate: Odoo refused login '${this.conn.username}' on database '${this.conn.db}' (wrong API key or login)`);
      throw this.toError(err, 'authenticate');
    }
    return this.uid;
  }

  async call<T = unknown>(call: OdooCall): Promise<T> {
    if (!this.uid) await this.connect();
    try {
      return await this.execute<T>(call);
    } catch (err) {
      if (err instanceof OdooAuthError) {
        await this.connect();
        return this.execute<T>(call);
      }
      throw err;
    }
  }

  serverVersion(): Promise<string> {
    return fetchServerVersion(this.conn.url, this.conn.timeoutMs);
  }

  private async execute<T>(call: OdooCall): Promise<T> {
    const where = `${call.model}.${call.method}`;
    const kwargs: Record<string, unknown> = { ...(call.params ?? {}) };
    if (call.context) kwargs.context = call.context;
    let args: unknown[] = call.args ?? (call.ids ? [call.ids] : []);
    if (!call.args && call.method === 'create' && 'vals_list' in kwargs) {
      // Odoo's XML-RPC call_kw special-cases `create` on its first positional argument.
      args = [kwargs.vals_list];
      delete kwargs.vals_list;
    }
    try {
      return (await this.withTimeout(this.client.execute_kw(call.model, call.method, [args, kwargs]), where)) as T;
    } catch (err) {
      throw this.toError(err, where);
    }
  }

  private toError(err: unknown, where: string): BridgeError {
    if (err instanceof BridgeError) return err;
    const f = err as FaultLike;
    if (f && typeof f === 'object' && 'faultCode' in f) return classifyXmlRpcFault(f, where);
    return classifyNetworkError(err, where);
  }

  private async withTimeout<T>(p: Promise<T>, where: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OdooUnavailableError(`${where}: no answer from Odoo within ${this.conn.timeoutMs} ms`)), this.conn.timeoutMs);
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
