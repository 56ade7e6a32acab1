import { expect } from 'chai';
import { createConnector } from '../../../../bridge/connectors/index.js';
import { PermanentError, TransientError } from '../../../../bridge/errors/index.js';
import { noSecretIn, rejects, request, secret, silentLog, startServer, target, SECRETS, type TestServer } from '../helpers.js';

describe('connectors/http error classification and headers', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer((app) => {
      app.put('/items/slow', async (_req, res) => {
        await new Promise((r) => setTimeout(r, 400));
        res.json({ id: 'late' });
      });
      app.put('/items/boom', (_req, res) => { res.status(503).json({ error: { code: 'down', message: 'maintenance' } }); });
      app.put('/items/bad', (_req, res) => { res.status(400).json({ error: { code: 'invalid', message: 'weight must be positive', field: 'weight' } }); });
      app.put('/items/unprocessable', (_req, res) => { res.status(422).json({ error: { code: 'x', message: 'cannot process' } }); });
      app.put('/items/forbidden', (_req, res) => { res.status(403).json({ error: { code: 'forbidden', message: 'not allowed for this key' } }); });
      app.put('/items/leaky', (req, res) => { res.status(400).json({ error: { code: 'bad', message: `token ${String(req.headers.authorization)} is weird` } }); });
      app.put('/items/:sku', (req, res) => { res.json({ id: `id-${req.params.sku}` }); });
      app.put('/orders/:ref', (_req, res) => { res.status(409).json({ error: { code: 'conflict', message: 'order exists' } }); });
      app.get('/orders/:ref', (req, res) => { res.json({ id: `wms-${req.params.ref}` }); });
    });
  });
  after(() => srv.close());
  beforeEach(() => { srv.requests.length = 0; });

  const conn = (extra: Record<string, unknown> = {}) => createConnector('wms', target({ preset: 'generic_wms', base_url: srv.url, timeout_ms: 150, ...extra }), secret);
  const item = (sku: string) => request({ kind: 'product', eventType: 'upsert', model: 'product.product', payload: { sku } });

  it('a timeout is a TransientError marked in doubt', async () => {
    const err = await rejects(() => conn().deliver(item('slow'), silentLog));
    expect(err).to.be.instanceOf(TransientError);
    expect(err.message).to.match(/timeout/);
    expect((err as unknown as TransientError).details.inDoubt).to.equal(true);
  });

  it('a network error (connection refused) is transient and not in doubt', async () => {
    const gone = await startServer(() => {});
    await gone.close();
    const c = createConnector('wms', target({ preset: 'generic_wms', base_url: gone.url }), secret);
    const err = await rejects(() => c.deliver(item('x'), silentLog));
    expect(err).to.be.instanceOf(TransientError);
    expect((err as unknown as TransientError).details.inDoubt).to.equal(false);
  });

  it('a failed half-open probe is marked details.probe; failures while closed are not', async () => {
    const c = createConnector('wms', target({ preset: 'generic_wms', base_url: srv.url, breaker_threshold: 1, breaker_reset_ms: 50 }), secret);
    const first = await rejects(() => c.deliver(item('boom'), silentLog));
    expect((first as unknown as TransientError).details.probe).to.equal(undefined);
    expect(c.circuitState()).to.equal('open');
    await new Promise((r) => setTimeout(r, 80));
    expect(c.circuitState()).to.equal('half_open');
    const probe = await rejects(() => c.deliver(item('boom'), silentLog));
    expect(probe).to.be.instanceOf(TransientError);
    expect((probe as unknown as TransientError).details.probe).to.equal(true);
    expect(c.circuitState()).to.equal('open');
  });

  it('5xx is transient and carries the vendor message', async () => {
    const err = await rejects(() => conn().deliver(item('boom'), silentLog));
    expect(err).to.be.instanceOf(TransientError);
    expect(err.message).to.contain('HTTP 503').and.contain('maintenance');
  });

  it('400 with a field is a permanent validation error with the vendor message', async () => {
    const err = await rejects(() => conn().deliver(item('bad'), silentLog));
    expect(err).to.be.instanceOf(PermanentError);
    expect((err as unknown as PermanentError).category).to.equal('validation');
    expect(err.message).to.contain('weight must be positive (field weight)');
  });

  it('422 is validation, 403 is rejected', async () => {
    const e1 = (await rejects(() => conn().deliver(item('unprocessable'), silentLog))) as unknown as PermanentError;
    expect(e1.category).to.equal('validation');
    const e2 = (await rejects(() => conn().deliver(item('forbidden'), silentLog))) as unknown as PermanentError;
    expect(e2).to.be.instanceOf(PermanentError);
    expect(e2.category).to.equal('rejected');
    expect(e2.message).to.contain('not allowed for this key');
  });

  it('never puts a secret in an error message, even when the vendor echoes it', async () => {
    const err = await rejects(() => conn().deliver(item('leaky'), silentLog));
    expect(err.message).to.contain('is weird');
    expect(noSecretIn(err.message), err.message).to.equal(true);
    expect(err.message).to.not.contain(SECRETS.TOKEN);
  });

  it('sends X-Correlation-Id and, for generic_wms, Idempotency-Key', async () => {
    const req = item('A9');
    await conn().deliver(req, silentLog);
    expect(srv.requests[0]!.headers['x-correlation-id']).to.equal(req.correlationId);
    expect(srv.requests[0]!.headers['idempotency-key']).to.equal(req.idempotencyKey);
  });

  it('idempotency header can be renamed or disabled', async () => {
    await conn({ options: { idempotency_header: 'X-Request-Key' } }).deliver(item('A9'), silentLog);
    expect(srv.requests[0]!.headers['x-request-key']).to.be.a('string');
    expect(srv.requests[0]!.headers['idempotency-key']).to.equal(undefined);
    await conn({ options: { idempotency_header: '' } }).deliver(item('A9'), silentLog);
    expect(srv.requests[1]!.headers['idempotency-key']).to.equal(undefined);
  });

  it('shipbob sends no idempotency header', async () => {
    const sb = await startServer((app) => { app.post('/2026-01/product', (_q, r) => { r.status(201).json({ id: 5 }); }); app.get('/2026-01/product', (_q, r) => { r.json({ items: [] }); }); });
    try {
      const c = createConnector('sb', target({ preset: 'shipbob', base_url: `${sb.url}/2026-01/` }), secret);
      await c.deliver(request({ kind: 'product', eventType: 'upsert', payload: { name: 'P', variants: [{ sku: 'S1' }] } }), silentLog);
      expect(sb.requests.length).to.equal(2);
      expect(sb.requests.every((r) => r.headers['idempotency-key'] === undefined)).to.equal(true);
    } finally {
      await sb.close();
    }
  });
});
