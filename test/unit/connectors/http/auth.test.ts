import { expect } from 'chai';
import { createConnector } from '../../../../bridge/connectors/index.js';
import { PermanentError, TransientError } from '../../../../bridge/errors/index.js';
import { uncountedCause } from '../../../../bridge/runtime/deliver-event.js';
import { FakeClock, noSecretIn, rejects, request, secret, silentLog, startServer, target, SECRETS, type TestServer } from '../helpers.js';

describe('connectors/http auth providers', () => {
  let srv: TestServer;
  let tokens = 0;
  let validToken = '';
  let failNext401 = false;
  let tokenStatus = 200;
  let tokenRetryAfter: string | undefined;

  before(async () => {
    srv = await startServer((app) => {
      app.post('/oauth/token', (req, res) => {
        const body = req.body as Record<string, string>;
        if (tokenStatus !== 200 || body.client_secret !== SECRETS.CLIENT_SECRET) {
          if (tokenRetryAfter !== undefined) res.set('Retry-After', tokenRetryAfter);
          res.status(tokenStatus === 200 ? 401 : tokenStatus).json({ error: 'invalid_client', error_description: `bad client credentials for ${body.client_id}` });
          return;
        }
        tokens++;
        validToken = `at-${tokens}`;
        res.json({ access_token: validToken, token_type: 'Bearer', expires_in: 3600 });
      });
      app.put('/items/:sku', (req, res) => {
        const auth = req.headers.authorization ?? '';
        const key = req.headers['x-api-key'];
        const ok =
          auth === `Bearer ${SECRETS.TOKEN}` ||
          key === SECRETS.API_KEY ||
          auth === `Basic ${Buffer.from(`svc:${SECRETS.PASSWORD}`).toString('base64')}` ||
          (auth === `Bearer ${validToken}` && !failNext401);
        if (failNext401 && auth.startsWith('Bearer at-')) {
          failNext401 = false;
          validToken = 'revoked';
        }
        if (!ok) {
          res.status(401).json({ error: { code: 'unauthorized', message: 'credentials rejected' } });
          return;
        }
        res.json({ id: `item-${req.params.sku}` });
      });
    });
  });
  after(() => srv.close());
  beforeEach(() => {
    srv.requests.length = 0;
    tokens = 0;
    validToken = '';
    failNext401 = false;
    tokenStatus = 200;
    tokenRetryAfter = undefined;
  });

  const item = () => request({ kind: 'product', eventType: 'upsert', model: 'product.product', payload: { sku: 'A1', name: 'Widget' } });

  it('bearer: sends Authorization: Bearer <token>', async () => {
    const c = createConnector('t1', target({ preset: 'generic_wms', base_url: srv.url }), secret);
    const r = await c.deliver(item(), silentLog);
    expect(r.externalRef).to.equal('item-A1');
    expect(srv.requests[0]!.headers.authorization).to.equal(`Bearer ${SECRETS.TOKEN}`);
  });

  it('api_key: sends the key in the configured header, no Authorization', async () => {
    const c = createConnector('t1', target({ preset: 'generic_wms', base_url: srv.url, auth: { type: 'api_key', header: 'X-Api-Key', key: { env: 'API_KEY' } } }), secret);
    await c.deliver(item(), silentLog);
    expect(srv.requests[0]!.headers['x-api-key']).to.equal(SECRETS.API_KEY);
    expect(srv.requests[0]!.headers.authorization).to.equal(undefined);
  });

  it('basic: sends base64(user:password)', async () => {
    const c = createConnector('t1', target({ preset: 'generic_wms', base_url: srv.url, auth: { type: 'basic', username: 'svc', password: { env: 'PASSWORD' } } }), secret);
    await c.deliver(item(), silentLog);
    expect(srv.requests[0]!.headers.authorization).to.equal(`Basic ${Buffer.from(`svc:${SECRETS.PASSWORD}`).toString('base64')}`);
  });

  it('a static credential rejected with 401 is a permanent error without the secret', async () => {
    const c = createConnector('t1', target({ preset: 'generic_wms', base_url: srv.url, auth: { type: 'api_key', header: 'X-Other', key: { env: 'API_KEY' } } }), secret);
    const err = await rejects(() => c.deliver(item(), silentLog));
    expect(err).to.be.instanceOf(PermanentError);
    expect(err.message).to.contain('credentials rejected');
    expect(noSecretIn(err.message)).to.equal(true);
    expect(srv.count('PUT', '/items/A1')).to.equal(1);
  });

  describe('oauth2_client_credentials', () => {
    const oauthTarget = () => target({
      preset: 'generic_wms', base_url: srv.url,
      auth: { type: 'oauth2_client_credentials', token_url: `${srv.url}/oauth/token`, client_id: 'bridge', client_secret: { env: 'CLIENT_SECRET' }, scope: 'wms' },
    });

    it('fetches a token once and caches it', async () => {
      const clock = new FakeClock();
      const c = createConnector('t1', oauthTarget(), secret, { now: clock.now });
      await c.deliver(item(), silentLog);
      await c.deliver(item(), silentLog);
      expect(srv.count('POST', '/oauth/token')).to.equal(1);
      const tokenReq = srv.requests.find((r) => r.path === '/oauth/token')!;
      expect(tokenReq.body).to.include({ grant_type: 'client_credentials', client_id: 'bridge', scope: 'wms' });
      expect(srv.requests.filter((r) => r.path === '/items/A1').map((r) => r.headers.authorization)).to.deep.equal(['Bearer at-1', 'Bearer at-1']);
    });

    it('refreshes before expiry (injected clock)', async () => {
      const clock = new FakeClock();
      const c = createConnector('t1', oauthTarget(), secret, { now: clock.now });
      await c.deliver(item(), silentLog);
      clock.advance(3_500_000); // 100 s before expiry: inside the 60 s skew? no - still valid
      await c.deliver(item(), silentLog);
      expect(srv.count('POST', '/oauth/token')).to.equal(1);
      clock.advance(60_000); // 40 s before expiry: refresh now
      await c.deliver(item(), silentLog);
      expect(srv.count('POST', '/oauth/token')).to.equal(2);
      expect(srv.requests.at(-1)!.headers.authorization).to.equal('Bearer at-2');
    });

    it('on a 401 renews the token and retries once', async () => {
      const c = createConnector('t1', oauthTarget(), secret, { now: new FakeClock().now });
      await c.deliver(item(), silentLog);
      failNext401 = true;
      const r = await c.deliver(item(), silentLog);
      expect(r.externalRef).to.equal('item-A1');
      expect(srv.count('POST', '/oauth/token')).to.equal(2);
      expect(srv.count('PUT', '/items/A1')).to.equal(3);
    });

    describe('a 429 from the token endpoint (a rate limit of the target, like an API 429)', () => {
      const tokenLimited = async (retryAfter: string | undefined, options: Record<string, unknown> = {}) => {
        tokenStatus = 429;
        tokenRetryAfter = retryAfter;
        const clock = new FakeClock();
        const c = createConnector('t1', target({ ...oauthTarget(), options }), secret, { now: clock.now, sleep: clock.sleep });
        const err = await rejects(() => c.deliver(item(), silentLog));
        return { c, clock, err };
      };

      it('Retry-After in seconds: rateLimited (not counted), retryAfterMs, and the whole target is paused', async () => {
        const { c, err } = await tokenLimited('30');
        expect(err).to.be.instanceOf(TransientError);
        expect(err).to.include({ rateLimited: true, retryAfterMs: 30_000 });
        expect(uncountedCause(err)).to.equal('rate_limit');
        expect(noSecretIn(err.message)).to.equal(true);
        expect(c.pausedForMs()).to.equal(30_000);
        expect(srv.count('PUT', '/items/A1')).to.equal(0);
        // Within the pause nothing goes out, not even another token request.
        const held = await rejects(() => c.deliver(item(), silentLog));
        expect(held).to.include({ rateLimited: true });
        expect((held as unknown as TransientError).details.reason).to.equal('paused');
        expect(srv.count('POST', '/oauth/token')).to.equal(1);
      });

      it('Retry-After as an HTTP date', async () => {
        const { c, err } = await tokenLimited(new Date(new FakeClock().now() + 120_000).toUTCString());
        expect(err).to.include({ rateLimited: true, retryAfterMs: 120_000 });
        expect(c.pausedForMs()).to.equal(120_000);
      });

      it('no Retry-After: paused for options.default_retry_after_ms, which the error carries', async () => {
        const { c, err } = await tokenLimited(undefined, { default_retry_after_ms: 45_000 });
        expect(err).to.include({ rateLimited: true, retryAfterMs: 45_000 });
        expect(c.pausedForMs()).to.equal(45_000);
      });

      it('after the pause a token is requested again and the delivery goes through', async () => {
        const { c, clock } = await tokenLimited('30');
        tokenStatus = 200;
        clock.advance(30_000);
        const r = await c.deliver(item(), silentLog);
        expect(r.externalRef).to.equal('item-A1');
        expect(srv.count('POST', '/oauth/token')).to.equal(2);
      });

      it('a 503 with Retry-After is transient with that wait, counted, and does not pause the target', async () => {
        tokenStatus = 503;
        tokenRetryAfter = '20';
        const c = createConnector('t1', oauthTarget(), secret, { now: new FakeClock().now });
        const err = await rejects(() => c.deliver(item(), silentLog));
        expect(err).to.be.instanceOf(TransientError);
        expect(err).to.include({ rateLimited: false, retryAfterMs: 20_000 });
        expect(uncountedCause(err)).to.equal(undefined);
        expect(c.pausedForMs()).to.equal(0);
      });
    });

    it('a refused token request is permanent and never shows the client secret', async () => {
      tokenStatus = 400;
      const c = createConnector('t1', oauthTarget(), secret);
      const err = await rejects(() => c.deliver(item(), silentLog));
      expect(err).to.be.instanceOf(PermanentError);
      expect(err.message).to.contain('invalid_client');
      expect(noSecretIn(err.message)).to.equal(true);
      expect(srv.count('PUT', '/items/A1')).to.equal(0);
    });
  });
});
