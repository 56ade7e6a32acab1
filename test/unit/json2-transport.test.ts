import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Json2Transport } from '../../bridge/odoo/json2-transport.js';
import { OdooAccessError, OdooAuthError, OdooMissingError, OdooUnavailableError, OdooValidationError } from '../../bridge/odoo/odoo-errors.js';

/**
 * The JSON-2 transport (Odoo 19+) against a local server speaking the documented wire format:
 * POST /json/2/<model>/<method>, `Authorization: bearer <key>`, `X-Odoo-Database`, a JSON body of
 * named arguments, plain JSON results, HTTP status codes with {name, message} errors. This proves
 * the request shape and error mapping only; a real Odoo 19 is not available here.
 */
describe('Odoo JSON-2 transport (wire format)', () => {
  let server: http.Server;
  let url: string;
  const seen: Array<{ path: string; headers: http.IncomingHttpHeaders; body: unknown }> = [];

  before(async () => {
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => { raw += c.toString(); });
      req.on('end', () => {
        const body = raw ? JSON.parse(raw) as Record<string, unknown> : {};
        seen.push({ path: req.url ?? '', headers: req.headers, body });
        const send = (status: number, value: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(value)); };
        if (req.headers.authorization !== 'bearer good-key') return send(401, { name: 'odoo.exceptions.AccessDenied', message: 'Access Denied' });
        switch (req.url) {
          case '/json/2/sync.event/sync_claim': return send(200, [{ id: 1, target: 'wms' }]);
          case '/json/2/sale.order/write': return send(422, { name: 'odoo.exceptions.ValidationError', message: 'bad qty' });
          case '/json/2/sale.order/read': return send(404, { name: 'odoo.exceptions.MissingError', message: 'Record does not exist' });
          case '/json/2/sync.event/sync_ack': return send(403, { name: 'odoo.exceptions.AccessError', message: 'not allowed' });
          default: return send(503, { name: '', message: 'restarting' });
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const transport = (key = 'good-key') => new Json2Transport({ url, db: 'prod', username: 'bot', apiKey: key, timeoutMs: 5000 });

  it('sends named arguments, ids and context as the JSON body with bearer key and database header', async () => {
    seen.length = 0;
    const out = await transport().call<unknown[]>({ model: 'sync.event', method: 'sync_claim', params: { worker_id: 'w', limit: 5 }, context: { lang: 'en_US' } });
    expect(out).to.deep.equal([{ id: 1, target: 'wms' }]);
    expect(seen[0]!.headers['x-odoo-database']).to.equal('prod');
    expect(seen[0]!.body).to.deep.equal({ worker_id: 'w', limit: 5, context: { lang: 'en_US' } });
    await transport().call({ model: 'sale.order', method: 'write', ids: [7], params: { vals: {} } }).catch(() => undefined);
    expect(seen[1]!.body).to.deep.equal({ vals: {}, ids: [7] });
  });

  it('maps HTTP statuses and Odoo exception names to typed errors', async () => {
    const err = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e);
    expect(await err(transport('bad').call({ model: 'sync.event', method: 'sync_claim' }))).to.be.instanceOf(OdooAuthError);
    expect(await err(transport().call({ model: 'sale.order', method: 'write', ids: [1] }))).to.be.instanceOf(OdooValidationError);
    expect(await err(transport().call({ model: 'sale.order', method: 'read', ids: [1] }))).to.be.instanceOf(OdooMissingError);
    expect(await err(transport().call({ model: 'sync.event', method: 'sync_ack' }))).to.be.instanceOf(OdooAccessError);
    const e = await err(transport().call({ model: 'x.y', method: 'z' }));
    expect(e).to.be.instanceOf(OdooUnavailableError);
    expect((e as OdooUnavailableError).retryable).to.equal(true);
  });
});
