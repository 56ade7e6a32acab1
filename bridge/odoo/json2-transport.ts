import { BridgeError } from '../errors/index.js';
import { classifyJson2Error, classifyNetworkError, type Json2ErrorBody } from './classify-fault.js';
import type { OdooCall, OdooConnection, OdooGateway } from './odoo-gateway.js';
import { OdooAuthError } from './odoo-errors.js';
import { fetchServerVersion } from './server-version.js';

/**
 * Odoo 19+ JSON-2 API: POST /json/2/<model>/<method>, `Authorization: bearer <api key>`,
 * `X-Odoo-Database`, a JSON body of named arguments ({ids, context, ...params}), plain JSON
 * results and HTTP status codes for errors. Stateless: no session to lose.
 */
export class Json2Transport implements OdooGateway {
  readonly protocol = 'json2' as const;
  private uid = 0;

  constructor(private readonly conn: OdooConnection) {}

  async connect(): Promise<number> {
    const me = await this.call<Array<{ id: number }>>({
      model: 'res.users', method: 'search_read',
      params: { domain: [['login', '=', this.conn.username]], fields: ['id'], limit: 1 },
    });
    if (!me[0]) throw new OdooAuthError(`res.users: the API key was accepted but no user has login '${this.conn.username}' (check odoo.username)`);
    this.uid = me[0].id;
    return this.uid;
  }

  async call<T = unknown>(call: OdooCall): Promise<T> {
    const where = `${call.model}.${call.method}`;
    const body: Record<string, unknown> = { ...(call.params ?? {}) };
    if (call.ids) body.ids = call.ids;
    if (call.context) body.context = call.context;
    let res: Response;
    try {
      res = await fetch(new URL(`/json/2/${call.model}/${call.method}`, this.conn.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          authorization: `bearer ${this.conn.apiKey}`,
          'x-odoo-database': this.conn.db,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.conn.timeoutMs),
      });
    } catch (err) {
      throw err instanceof BridgeError ? err : classifyNetworkError(err, where);
    }
    const text = await res.text();
    if (!res.ok) {
      let parsed: Json2ErrorBody | undefined;
      try { parsed = JSON.parse(text) as Json2ErrorBody; } catch { parsed = { message: text.slice(0, 300) }; }
      throw classifyJson2Error(res.status, parsed, where);
    }
    return (text === '' ? null : JSON.parse(text)) as T;
  }

  serverVersion(): Promise<string> {
    return fetchServerVersion(this.conn.url, this.conn.timeoutMs);
  }
}
