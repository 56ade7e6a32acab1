import { expect } from 'chai';
import {
  paginateAfter, paginateCursorLinks, paginateNextRecordsUrl, paginatePages, shipbobReads, hubspotReads, salesforceReads,
  TargetHttpClient, BearerAuth,
} from '../../../bridge/connectors/index.js';
import { resolveDeps } from '../../../bridge/connectors/http/deps.js';
import { PermanentError } from '../../../bridge/errors/index.js';
import { rejects, startServer, type TestServer } from './helpers.js';

const ALL = Array.from({ length: 7 }, (_, i) => ({ id: i + 1 }));

describe('connectors/http pagination iterators', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer((app) => {
      // ShipBob orders: Page/Limit, body is an array
      app.get('/2026-01/order', (req, res) => {
        const page = Number(req.query.Page);
        const limit = Number(req.query.Limit);
        res.json(ALL.slice((page - 1) * limit, page * limit));
      });
      // ShipBob products: cursor links in the body
      app.get('/2026-01/product', (req, res) => {
        const cursor = Number(req.query.cursor ?? 0);
        const next = cursor + 3 < ALL.length ? `${srv.url}/2026-01/product?cursor=${cursor + 3}` : null;
        res.json({ items: ALL.slice(cursor, cursor + 3), next });
      });
      // ShipBob's real links are origin-relative and already hold the version segment.
      app.get('/2026-01/rel', (req, res) => {
        const cursor = Number(req.query.cursor ?? 0);
        res.json({ items: ALL.slice(cursor, cursor + 3), next: cursor + 3 < ALL.length ? `/2026-01/rel?cursor=${cursor + 3}` : null });
      });
      app.get('/2026-01/loop', (_req, res) => { res.json({ items: [1], next: 'loop?again=1' }); });
      app.get('/2026-01/evil', (_req, res) => { res.json({ items: [1], next: 'http://example.invalid/steal' }); });
      // HubSpot: after + paging.next.after
      app.get('/crm/v3/objects/companies', (req, res) => {
        const after = Number(req.query.after ?? 0);
        const limit = Number(req.query.limit);
        const results = ALL.slice(after, after + limit);
        res.json(after + limit < ALL.length ? { results, paging: { next: { after: String(after + limit), link: 'x' } } } : { results });
      });
      app.post('/crm/v3/objects/deals/search', (req, res) => {
        const b = req.body as { after?: string; limit: number };
        const after = Number(b.after ?? 0);
        res.json({ total: ALL.length, results: ALL.slice(after, after + b.limit), ...(after + b.limit < ALL.length ? { paging: { next: { after: String(after + b.limit) } } } : {}) });
      });
      // Salesforce: nextRecordsUrl
      app.get('/services/data/v61.0/query', (_req, res) => {
        res.json({ totalSize: 7, done: false, records: ALL.slice(0, 4), nextRecordsUrl: '/services/data/v61.0/query/01gXX-4' });
      });
      app.get('/services/data/v61.0/query/:loc', (_req, res) => { res.json({ totalSize: 7, done: true, records: ALL.slice(4) }); });
    });
  });
  after(() => srv.close());
  beforeEach(() => { srv.requests.length = 0; });

  const client = (base: string) => new TargetHttpClient({
    code: 'p', baseUrl: base, timeoutMs: 2000, concurrency: 2, breakerThreshold: 5, breakerResetMs: 1000,
    auth: new BearerAuth('tok_SECRET_bearer_123456'), deps: resolveDeps(),
  });
  const collect = async <T>(it: AsyncIterable<T>) => { const out: T[] = []; for await (const x of it) out.push(x); return out; };

  it('ShipBob Page/Limit walks every page and stops at a short one', async () => {
    const got = await collect(paginatePages(client(`${srv.url}/2026-01/`), { path: 'order', limit: 3, correlationId: 'c' }));
    expect(got).to.deep.equal(ALL);
    expect(srv.requests.map((r) => r.query.Page)).to.deep.equal(['1', '2', '3']);
    const viaReads = await collect(shipbobReads.listOrders(client(`${srv.url}/2026-01/`), { correlationId: 'c', limit: 250 }));
    expect(viaReads.length).to.equal(7);
  });

  it('ShipBob cursor links walk every page', async () => {
    const got = await collect(shipbobReads.listProducts(client(`${srv.url}/2026-01/`), { correlationId: 'c' }));
    expect(got).to.deep.equal(ALL);
    expect(srv.requests.length).to.equal(3);
  });

  it('an origin-relative next link (/2026-01/...) is resolved on the origin, not appended to the base path', async () => {
    const got = await collect(paginateCursorLinks(client(`${srv.url}/2026-01/`), { path: 'rel', correlationId: 'c' }));
    expect(got).to.deep.equal(ALL);
  });

  it('a repeated cursor stops with an error; a link to another origin is refused', async () => {
    const err = await rejects(() => collect(paginateCursorLinks(client(`${srv.url}/2026-01/`), { path: 'loop', correlationId: 'c' })));
    expect(err).to.be.instanceOf(PermanentError);
    expect(err.message).to.contain('repeated cursor');
    const evil = await rejects(() => collect(paginateCursorLinks(client(`${srv.url}/2026-01/`), { path: 'evil', correlationId: 'c' })));
    expect(evil.message).to.contain('another origin');
  });

  it('HubSpot paging.next.after (GET list and POST search)', async () => {
    const got = await collect(paginateAfter(client(srv.url), { path: '/crm/v3/objects/companies', limit: 2, correlationId: 'c' }));
    expect(got).to.deep.equal(ALL);
    expect(srv.requests.map((r) => r.query.after)).to.deep.equal([undefined, '2', '4', '6']);
    const found = await collect(hubspotReads.searchObjects(client(srv.url), 'deals', { correlationId: 'c', body: { filterGroups: [] }, limit: 5 }));
    expect(found).to.deep.equal(ALL);
  });

  it('Salesforce nextRecordsUrl', async () => {
    const got = await collect(salesforceReads.query(client(srv.url), 'SELECT Id FROM Account', { correlationId: 'c' }));
    expect(got).to.deep.equal(ALL);
    expect(srv.requests[0]!.query).to.deep.equal({ q: 'SELECT Id FROM Account' });
    expect(srv.requests[1]!.path).to.equal('/services/data/v61.0/query/01gXX-4');
    const direct = await collect(paginateNextRecordsUrl(client(srv.url), { path: '/services/data/v61.0/query', query: { q: 'x' }, correlationId: 'c' }));
    expect(direct.length).to.equal(7);
  });

  it('stops fetching when the consumer breaks early', async () => {
    for await (const x of paginatePages(client(`${srv.url}/2026-01/`), { path: 'order', limit: 3, correlationId: 'c' })) {
      if ((x as { id: number }).id === 2) break;
    }
    expect(srv.requests.length).to.equal(1);
  });
});
