import { expect } from 'chai';
import path from 'node:path';
import { startFake, type HubSpotFake, type HubSpotFakeOptions } from '../../fakes/start.js';
import type { HsRecord } from '../../fakes/hubspot/store.js';
import { createConnector } from '../../../bridge/connectors/index.js';
import { BaseConnector } from '../../../bridge/connectors/base-connector.js';
import type { RequestOptions, TargetHttpClient } from '../../../bridge/connectors/http/http-client.js';
import { InboxStore } from '../../../bridge/state/inbox-store.js';
import { InboundPreparer } from '../../../bridge/inbound/prepare.js';
import { InboxProcessor } from '../../../bridge/inbound/processor.js';
import { DEAL_WATERMARK, pollHubSpotApprovedDeals, type HubSpotDealPollOptions } from '../../../bridge/inbound/poll-hubspot-deals.js';
import { startPollers } from '../../../bridge/inbound/pollers.js';
import { InboundMetrics } from '../../../bridge/inbound/index.js';
import { BridgeMetrics } from '../../../bridge/runtime/metrics.js';
import { silentLog } from '../connectors/helpers.js';
import { createLogger } from '../../../bridge/log/logger.js';
import { Redactor } from '../../../bridge/log/redact.js';
import { PassThrough } from 'node:stream';
import { FakeSink, repoRoot, target, tempDb } from './helpers.js';

const CODE = 'crm_hs';
const MIN = 60_000;

/** The HubSpot fake's clock (ISO); deals written at a chosen time get it as hs_lastmodifieddate. */
const iso = (ms: number) => new Date(ms).toISOString();

describe('HubSpot approved-deal poll (catch-up of lost deal webhooks) against the HubSpot fake', function () {
  this.timeout(60_000);
  let hs: HubSpotFake;
  let http: TargetHttpClient;
  let store: InboxStore;
  /** Bodies of the searches sent, and the failures the transport threw. */
  let searches: Array<Record<string, unknown>>;
  let failures: string[];
  /** Called after each search answer (tests change HubSpot between two pages). */
  let afterSearch: ((n: number) => void) | undefined;

  async function setUp(fakeOpts: HubSpotFakeOptions = { rateLimit: { limit: 100_000, searchPerSecond: null } }): Promise<void> {
    hs = await startFake('hubspot', fakeOpts);
    const t = target('hubspot', { base_url: hs.baseUrl, options: { max_wait_ms: 5_000 } });
    http = (createConnector(CODE, t, () => 'hubspot-test-token') as BaseConnector).http;
    const send = http.request.bind(http);
    searches = [];
    failures = [];
    afterSearch = undefined;
    http.request = (async (req: RequestOptions) => {
      const isSearch = req.path.endsWith('/search');
      if (isSearch) searches.push(req.body as Record<string, unknown>);
      try {
        const res = await send(req);
        if (isSearch) afterSearch?.(searches.length);
        return res;
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
        throw err;
      }
    }) as TargetHttpClient['request'];
    store = new InboxStore(tempDb().db);
  }
  afterEach(async () => { await hs?.close(); });

  const poll = (o: Partial<HubSpotDealPollOptions> = {}) => pollHubSpotApprovedDeals(CODE, http, store, { lookbackMinutes: 60, searchPerSecond: 1_000, ...o });
  const pollIds = () => store.list({ source: CODE, limit: 100_000 }).filter((r) => r.via === 'poll').map((r) => r.message_id);
  /** A deal in `stage` whose last change (and stage entry) was at `at`. */
  function dealAt(name: string, stage: string, at: number): HsRecord {
    const d = hs.store.create('deals', { dealname: name, dealstage: stage });
    for (const p of ['hs_lastmodifieddate', `hs_v2_date_entered_${stage}`, `hs_date_entered_${stage}`]) d.properties[p] = iso(at);
    return d;
  }
  /** A won deal the way a rep closes it (company, contact, line items), with no webhook delivered (no target set). */
  async function wonDeal(name: string): Promise<HsRecord> {
    const company = hs.store.create('companies', { name: `${name} Ltd`, address: '1 Main St', city: 'Springfield', zip: '62701', country: 'United States' });
    const contact = hs.store.create('contacts', { email: `buyer@${name.toLowerCase()}.example`, firstname: 'B', lastname: 'Uyer' });
    const won = await hs.sim.closeWonDeal({ deal: { dealname: name }, companyId: company.id, contactId: contact.id, lineItems: [{ name: 'Mug', hs_sku: 'MUG-1', quantity: 3, price: 9.5 }] });
    expect(won.deliveries, 'no webhook delivered').to.deep.equal([]);
    return won.deal;
  }

  it('stores one message per approved deal only (not other stages), shaped as the webhook event, and the webhook path maps it to a sale order', async () => {
    await setUp();
    const won = await wonDeal('Acme');
    const open = hs.store.create('deals', { dealname: 'Open', dealstage: 'contractsent' });
    hs.store.create('deals', { dealname: 'Lost', dealstage: 'closedlost' });
    const r = await poll();
    expect(r).to.include({ found: 1, stored: 1, duplicate: 0, acknowledged: 0 });
    expect(r.correlationId).to.match(/^poll-crm_hs-deals-\d+$/);
    const entered = won.properties.hs_v2_date_entered_closedwon!;
    const id = `hubspot:deal:${won.id}:closedwon:${entered}`;
    expect(pollIds()).to.deep.equal([id]);
    const row = store.list({ source: CODE })[0]!;
    expect(row).to.include({ preset: 'hubspot', topic: 'deal.propertyChange', via: 'poll' });
    const ev = JSON.parse(row.body) as Record<string, unknown>;
    expect(ev).to.include({ subscriptionType: 'deal.propertyChange', propertyName: 'dealstage', propertyValue: 'closedwon', objectId: Number(won.id), occurredAt: Date.parse(entered) });
    expect(ev.eventId).to.be.a('number');
    expect(pollIds().some((m) => m.includes(open.id))).to.equal(false);
    // The search asked for approved stages modified since the window start (lookback 60 min + overlap 5 min).
    const filters = (searches[0]!.filterGroups as Array<{ filters: Array<Record<string, unknown>> }>)[0]!.filters;
    expect(filters[0]).to.deep.equal({ propertyName: 'dealstage', operator: 'IN', values: ['closedwon'] });
    expect(filters[1]).to.include({ propertyName: 'hs_lastmodifieddate', operator: 'GTE' });
    expect(Date.now() - Number(filters[1]!.value)).to.be.within(65 * MIN - 5_000, 65 * MIN + 5_000);
    expect(searches[0]).to.deep.include({ sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }], limit: 100 });
    // The webhook's preparation applies unchanged: deal, company, contact and line items read -> canonical sale order.
    const sink = new FakeSink();
    await new InboxProcessor(store, new InboundPreparer(path.join(repoRoot, 'mappings'), { [CODE]: target('hubspot', { base_url: hs.baseUrl }) }, () => http), sink, { batchSize: 10, pollMs: 10, backoffBaseMs: 10, backoffMaxMs: 10 }).drain();
    expect(store.list({ state: 'rejected' }).map((x) => x.last_error)).to.deep.equal([]);
    expect(sink.applied).to.have.length(1);
    expect(sink.applied[0]).to.deep.include({ kind: 'sale_order', message_id: id });
    expect(sink.applied[0]!.payload).to.deep.include({ quote_id: won.id, source: 'hubspot', lines: [{ sku: 'MUG-1', quantity: 3, unit_price: 9.5 }] });
  });

  it('a webhook and a poll of the same approval: two messages with one canonical quote (Odoo compares the quote fingerprint)', async () => {
    await setUp();
    const company = hs.store.create('companies', { name: 'Both Ltd', address: '1 Main St', city: 'Springfield', country: 'United States' });
    const contact = hs.store.create('contacts', { email: 'buyer@both.example', firstname: 'B', lastname: 'Oth' });
    const won = await hs.sim.closeWonDeal({ companyId: company.id, contactId: contact.id, lineItems: [{ name: 'Jug', hs_sku: 'JUG-1', quantity: 1, price: 20 }] });
    // The webhook's event as the route stores it (eventId as message id).
    store.insertMany([{ source: CODE, messageId: '4242', preset: 'hubspot', topic: 'deal.propertyChange', via: 'webhook', body: JSON.stringify({ eventId: 4242, subscriptionType: 'deal.propertyChange', objectId: Number(won.deal.id), propertyName: 'dealstage', propertyValue: 'closedwon', occurredAt: Date.now() }) }]);
    expect(await poll()).to.include({ found: 1, stored: 1 });
    const sink = new FakeSink();
    await new InboxProcessor(store, new InboundPreparer(path.join(repoRoot, 'mappings'), { [CODE]: target('hubspot', { base_url: hs.baseUrl }) }, () => http), sink, { batchSize: 10, pollMs: 10, backoffBaseMs: 10, backoffMaxMs: 10 }).drain();
    expect(sink.applied.map((i) => i.message_id)).to.have.members(['4242', `hubspot:deal:${won.deal.id}:closedwon:${won.deal.properties.hs_v2_date_entered_closedwon}`]);
    const [a, b] = sink.applied.map((i) => ({ ...i.payload, message_id: undefined }));
    expect(a).to.deep.equal(b);
  });

  it('a repeated poll finds the same approvals again: inbox duplicates, nothing new; a later change of the deal is the same approval', async () => {
    await setUp();
    const won = await wonDeal('Again');
    expect(await poll()).to.include({ found: 1, stored: 1, duplicate: 0 });
    expect(await poll()).to.include({ found: 1, stored: 0, duplicate: 1 });
    hs.clock.advance(2_000);
    await hs.sim.changeProperty('deals', won.id, 'dealname', 'Again (renamed)');
    expect(await poll()).to.include({ found: 1, stored: 0, duplicate: 1 });
    expect(pollIds()).to.have.length(1);
  });

  it('a deal moved out of the approved stage and back in is a new approval (new message); while out it is not found', async () => {
    await setUp();
    const won = await wonDeal('Twice');
    await poll();
    hs.clock.advance(1_000);
    await hs.sim.changeProperty('deals', won.id, 'dealstage', 'contractsent');
    expect((await poll()).found, 'not approved now').to.equal(0);
    hs.clock.advance(1_000);
    await hs.sim.closeWonDeal({ dealId: won.id });
    expect(await poll()).to.include({ found: 1, stored: 1, duplicate: 0 });
    const ids = pollIds();
    expect(ids).to.have.length(2);
    expect(new Set(ids.map((m) => m.split(':').slice(0, 4).join(':')))).to.deep.equal(new Set([`hubspot:deal:${won.id}:closedwon`]));
  });

  it('the watermark is the newest hs_lastmodifieddate stored; it moves only with the stored messages (a failed store leaves it); the overlap re-reads late-indexed deals', async () => {
    await setUp();
    const now = Date.now();
    dealAt('old', 'closedwon', now - 2 * 60 * MIN); // before the first run's lookback
    const d1 = dealAt('d1', 'closedwon', now - 30 * MIN);
    dealAt('d2', 'closedwon', now - 10 * MIN);
    const insert = store.insertMany.bind(store);
    store.insertMany = () => { throw new Error('disk full'); };
    let failed: unknown;
    await poll().catch((e: unknown) => { failed = e; });
    expect(String(failed)).to.contain('disk full');
    expect(store.watermark(CODE, DEAL_WATERMARK), 'no watermark without the messages').to.equal(undefined);
    store.insertMany = insert;
    expect(await poll()).to.include({ found: 2, stored: 2 });
    expect(store.watermark(CODE, DEAL_WATERMARK)).to.equal(iso(now - 10 * MIN));
    expect(pollIds().some((m) => m.startsWith(`hubspot:deal:${d1.id}:`))).to.equal(true);
    // The next window starts at the watermark minus the overlap: a deal indexed late with an
    // older hs_lastmodifieddate (3 min before the watermark) is read with the default 5 minutes...
    const late = dealAt('late', 'closedwon', now - 13 * MIN);
    expect(await poll({ overlapMinutes: 1 })).to.include({ found: 1, stored: 0 });
    expect(await poll()).to.include({ found: 2, stored: 1 });
    expect(pollIds().some((m) => m.startsWith(`hubspot:deal:${late.id}:`))).to.equal(true);
    // ... and a store failure on a later run leaves the watermark where it was.
    dealAt('d3', 'closedwon', now - 1 * MIN);
    store.insertMany = () => { throw new Error('disk full'); };
    await poll().catch(() => undefined);
    expect(store.watermark(CODE, DEAL_WATERMARK)).to.equal(iso(now - 10 * MIN));
    store.insertMany = insert;
    await poll();
    expect(store.watermark(CODE, DEAL_WATERMARK)).to.equal(iso(now - 1 * MIN));
  });

  it('pages through several pages (after from paging.next.after, one result early) paced under the search limit: no 429', async () => {
    await setUp({ rateLimit: { limit: 100_000 } }); // HubSpot's 5 searches per second
    const now = Date.now();
    const deals = Array.from({ length: 250 }, (_, i) => dealAt(`p${i}`, 'closedwon', now - 50 * MIN + i * 1_000));
    const r = await pollHubSpotApprovedDeals(CODE, http, store, { lookbackMinutes: 60 });
    expect(r).to.include({ found: 250, stored: 250 });
    expect(searches.map((s) => s.after)).to.deep.equal([undefined, '99', '198']);
    expect(new Set(pollIds().map((m) => m.split(':')[2]))).to.deep.equal(new Set(deals.map((d) => d.id)));
    expect(hs.ledger.requests.filter((q) => q.status === 429), 'paced at 4 per second').to.have.length(0);
  });

  it('a deal changed while the poll pages moves the results under the cursor: the poll searches again and skips nothing', async () => {
    await setUp();
    const now = Date.now();
    const deals = Array.from({ length: 250 }, (_, i) => dealAt(`s${i}`, 'closedwon', now - 50 * MIN + i * 1_000));
    // After the first page a rep edits deal 10: it goes to the end, the rest moves up by one.
    afterSearch = (n) => { if (n === 1) hs.store.update(deals[10]!, { dealname: 'edited' }); };
    const r = await poll();
    expect(new Set(pollIds().map((m) => m.split(':')[2]))).to.deep.equal(new Set(deals.map((d) => d.id)));
    expect(r.found).to.equal(250);
    expect(searches.filter((s) => s.after === undefined).length, 'a new search after the move').to.equal(2);
  });

  it('HubSpot pages through 10,000 results at most: the poll starts a new search from the last hs_lastmodifieddate read, and reads every deal', async () => {
    await setUp();
    const t0 = Date.now() - 50 * MIN;
    const n = 10_150;
    for (let i = 0; i < n; i++) dealAt(`c${i}`, 'closedwon', t0 + i * 100);
    const r = await poll();
    expect(r).to.include({ found: n, stored: n });
    expect(failures, 'no page past the cap was asked').to.deep.equal([]);
    const fresh = searches.filter((s) => s.after === undefined);
    expect(fresh).to.have.length(2);
    const second = (fresh[1]!.filterGroups as Array<{ filters: Array<{ value?: string }> }>)[0]!.filters[1]!.value;
    expect(Number(second)).to.be.greaterThan(t0 + 9_000 * 100);
    expect(store.watermark(CODE, DEAL_WATERMARK)).to.equal(iso(t0 + (n - 1) * 100));
  });

  it('more than 10,000 approved deals with one hs_lastmodifieddate: a clear error, nothing stored, the watermark unchanged', async () => {
    await setUp();
    const t = Date.now() - 5 * MIN;
    for (let i = 0; i < 10_001; i++) dealAt(`t${i}`, 'closedwon', t);
    let err: unknown;
    await poll({ overlapMinutes: 0, lookbackMinutes: 10 }).catch((e: unknown) => { err = e; });
    expect(String(err)).to.match(/more than 10000 approved deals have hs_lastmodifieddate/);
    expect(pollIds()).to.deep.equal([]);
    expect(store.watermark(CODE, DEAL_WATERMARK)).to.equal(undefined);
  });

  it('a 429 of the search limit pauses the target and the page is sent again: every deal is read', async () => {
    await setUp({ rateLimit: { limit: 100_000, searchPerSecond: 2 } });
    const now = Date.now();
    for (let i = 0; i < 450; i++) dealAt(`r${i}`, 'closedwon', now - 40 * MIN + i * 1_000);
    const r = await poll(); // unpaced (1000 per second): over HubSpot's limit
    expect(r).to.include({ found: 450, stored: 450 });
    expect(hs.ledger.requests.filter((q) => q.status === 429).length, 'the fake refused some').to.be.greaterThan(0);
    expect(failures.every((f) => /429|RATE_LIMIT|secondly/i.test(f)), failures.join('\n')).to.equal(true);
  });

  it('uses hs_date_entered_<stage> on an older portal, and hs_lastmodifieddate where neither exists (each change is then a new message)', async () => {
    await setUp({ rateLimit: { limit: 100_000, searchPerSecond: null }, stageCalculatedProperties: 'legacy' });
    const legacy = await wonDeal('Legacy');
    expect(await poll()).to.include({ found: 1, stored: 1 });
    expect(pollIds()).to.deep.equal([`hubspot:deal:${legacy.id}:closedwon:${legacy.properties.hs_date_entered_closedwon}`]);
    await hs.close();
    await setUp({ rateLimit: { limit: 100_000, searchPerSecond: null }, stageCalculatedProperties: 'none' });
    const bare = await wonDeal('Bare');
    const first = bare.properties.hs_lastmodifieddate!;
    expect(await poll()).to.include({ found: 1, stored: 1 });
    hs.clock.advance(1_000);
    await hs.sim.changeProperty('deals', bare.id, 'dealname', 'Bare (renamed)');
    expect(await poll()).to.include({ found: 1, stored: 1 });
    expect(pollIds()).to.have.members([`hubspot:deal:${bare.id}:closedwon:${first}`, `hubspot:deal:${bare.id}:closedwon:${bare.properties.hs_lastmodifieddate!}`]);
  });

  it('wiring: a HubSpot target with poll.schedule gets the deal poll (approved_stages, overlap from the config); log lines carry the poll\'s correlation id', async () => {
    await setUp();
    const now = Date.now();
    const signed = dealAt('signed', 'contractsent', now - 5 * MIN);
    dealAt('won', 'closedwon', now - 4 * MIN);
    const lines: Array<Record<string, unknown>> = [];
    const stream = new PassThrough();
    stream.on('data', (b: Buffer) => { for (const l of b.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>); });
    const log = createLogger({ level: 'info', format: 'json', redactor: new Redactor(), stream });
    const t = target('hubspot', { base_url: hs.baseUrl, poll: { schedule: '0 0 1 1 *', overlap_minutes: 2 }, options: { approved_stages: ['contractsent'], search_per_second: 50 } });
    let woken = 0;
    const metrics = new InboundMetrics(new BridgeMetrics());
    const pollers = startPollers({ [CODE]: t }, () => http, store, log, () => { woken += 1; }, metrics.onPollRun);
    try {
      expect(await pollers.runNow(CODE)).to.include({ found: 1, stored: 1 });
      expect(await pollers.runNow(CODE)).to.include({ found: 1, stored: 0, duplicate: 1 });
    } finally {
      await pollers.stop();
    }
    expect(woken).to.equal(1);
    const text = await metrics.base.registry.metrics();
    expect(text).to.contain(`sync_bridge_poll_runs_total{source="${CODE}",outcome="ok"} 2`);
    expect(text).to.contain(`sync_bridge_poll_messages_total{source="${CODE}"} 1`);
    const stamp = Number(new RegExp(`^sync_bridge_poll_last_success_timestamp_seconds\\{source="${CODE}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    expect(Math.abs(stamp - Date.now() / 1000)).to.be.lessThan(60);
    expect(pollIds()).to.deep.equal([`hubspot:deal:${signed.id}:contractsent:${iso(now - 5 * MIN)}`]);
    const window = (searches[0]!.filterGroups as Array<{ filters: Array<{ value?: string }> }>)[0]!.filters[1]!.value;
    expect(Date.now() - Number(window)).to.be.within(62 * MIN - 5_000, 62 * MIN + 5_000);
    await new Promise((r) => setImmediate(r));
    const summary = lines.find((l) => String(l.message) === `poll ${CODE}: 1 found, 1 new, 0 already in the inbox`);
    expect(summary, JSON.stringify(lines)).to.include({ source: CODE });
    expect(String(summary!.correlationId)).to.match(new RegExp(`^poll-${CODE}-deals-\\d+$`));
  });

  it('a failing poll run is counted as failed and leaves the last success alone', async () => {
    await setUp();
    const broken = { ...http, code: CODE, request: () => Promise.reject(new Error('connect ECONNREFUSED')) } as unknown as typeof http;
    const metrics = new InboundMetrics(new BridgeMetrics());
    const t = target('hubspot', { base_url: hs.baseUrl, poll: { schedule: '0 0 1 1 *' }, options: { search_per_second: 50 } });
    const pollers = startPollers({ [CODE]: t }, () => broken, store, silentLog, undefined, metrics.onPollRun);
    try {
      let failed: unknown;
      await pollers.runNow(CODE).catch((e: unknown) => { failed = e; });
      expect(String(failed)).to.contain('ECONNREFUSED');
    } finally {
      await pollers.stop();
    }
    const text = await metrics.base.registry.metrics();
    expect(text).to.contain(`sync_bridge_poll_runs_total{source="${CODE}",outcome="failed"} 1`);
    expect(text).to.not.match(/^sync_bridge_poll_last_success_timestamp_seconds\{/m);
  });

  it('options.approved_stages: deals entering any of them', async () => {
    await setUp();
    const now = Date.now();
    const signed = dealAt('signed', 'contractsent', now - 5 * MIN);
    dealAt('won', 'closedwon', now - 4 * MIN);
    dealAt('lost', 'closedlost', now - 3 * MIN);
    expect(await poll({ approvedStages: ['contractsent', 'closedwon'] })).to.include({ found: 2, stored: 2 });
    expect(pollIds()).to.include(`hubspot:deal:${signed.id}:contractsent:${iso(now - 5 * MIN)}`);
  });
});
