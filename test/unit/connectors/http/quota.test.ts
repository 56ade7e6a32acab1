import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import type { QuotaHeaderParser, QuotaObservation } from '../../../../bridge/connectors/http/quota.js';
import { QUOTA_RECHECK_MS, QuotaReserveError, QuotaTracker } from '../../../../bridge/connectors/http/quota-tracker.js';
import { parseGenericWmsQuota } from '../../../../bridge/connectors/generic-wms/quota.js';
import { parseHubSpotQuota } from '../../../../bridge/connectors/hubspot/quota.js';
import { parseSalesforceQuota } from '../../../../bridge/connectors/salesforce/quota.js';
import { parseShipBobQuota } from '../../../../bridge/connectors/shipbob/quota.js';
import { createLogger } from '../../../../bridge/log/logger.js';
import { Redactor } from '../../../../bridge/log/redact.js';

const AT = 1_800_000_000_000;
type Expect = Array<Omit<QuotaObservation, 'observedAt'>>;
interface Row { name: string; headers: Record<string, string>; want: Expect }

function table(parser: QuotaHeaderParser, rows: Row[]): void {
  for (const r of rows) {
    it(r.name, () => {
      let got: QuotaObservation[] = [];
      expect(() => { got = parser(new Headers(r.headers), AT); }, 'never throws').to.not.throw();
      expect(got).to.deep.equal(r.want.map((w) => ({ ...w, observedAt: AT })));
    });
  }
}

const HS = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [`X-HubSpot-RateLimit-${k}`, v]));

describe('quota headers: HubSpot X-HubSpot-RateLimit-*', () => {
  table(parseHubSpotQuota, [
    { name: 'all five: burst with its interval, daily', headers: HS({ Max: '100', Remaining: '97', 'Interval-Milliseconds': '10000', Daily: '250000', 'Daily-Remaining': '249000' }),
      want: [{ window: 'burst', remaining: 97, limit: 100, intervalMs: 10_000 }, { window: 'daily', remaining: 249_000, limit: 250_000 }] },
    { name: 'no headers (search answers, a proxy): nothing', headers: {}, want: [] },
    { name: 'burst only (OAuth apps get no daily pair)', headers: HS({ Max: '110', Remaining: '0', 'Interval-Milliseconds': '10000' }),
      want: [{ window: 'burst', remaining: 0, limit: 110, intervalMs: 10_000 }] },
    { name: 'daily only', headers: HS({ Daily: '1000', 'Daily-Remaining': '12' }), want: [{ window: 'daily', remaining: 12, limit: 1000 }] },
    { name: 'surrounding spaces are fine', headers: HS({ Daily: ' 1000 ', 'Daily-Remaining': ' 5' }), want: [{ window: 'daily', remaining: 5, limit: 1000 }] },
    { name: 'garbled remaining: that window ignored, the other kept', headers: HS({ Max: '100', Remaining: 'lots', Daily: '1000', 'Daily-Remaining': '900' }),
      want: [{ window: 'daily', remaining: 900, limit: 1000 }] },
    { name: 'negative, decimal and empty values ignored', headers: HS({ Remaining: '-3', 'Daily-Remaining': '4.5', Daily: '' }), want: [] },
    { name: 'remaining above the limit: inconsistent, ignored', headers: HS({ Max: '100', Remaining: '150', Daily: '10', 'Daily-Remaining': '11' }), want: [] },
    { name: 'a zero limit says nothing usable', headers: HS({ Daily: '0', 'Daily-Remaining': '0' }), want: [] },
    { name: 'garbled limit: remaining kept without a limit', headers: HS({ Max: 'n/a', Remaining: '40' }), want: [{ window: 'burst', remaining: 40 }] },
    { name: 'garbled interval: burst kept without it', headers: HS({ Max: '100', Remaining: '40', 'Interval-Milliseconds': 'ten seconds' }), want: [{ window: 'burst', remaining: 40, limit: 100 }] },
    { name: 'absurdly long number ignored', headers: HS({ Daily: '1000', 'Daily-Remaining': '99999999999999999999' }), want: [] },
  ]);
});

describe('quota headers: Salesforce Sforce-Limit-Info', () => {
  table(parseSalesforceQuota, [
    { name: 'api-usage=used/max: daily, remaining = max - used', headers: { 'Sforce-Limit-Info': 'api-usage=18/15000' }, want: [{ window: 'daily', remaining: 14_982, limit: 15_000 }] },
    { name: 'followed by per-app-api-usage: the org figure is read', headers: { 'Sforce-Limit-Info': 'api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)' },
      want: [{ window: 'daily', remaining: 4975, limit: 5000 }] },
    { name: 'per-app-api-usage alone is not the org allocation', headers: { 'Sforce-Limit-Info': 'per-app-api-usage=17/250(appName=x)' }, want: [] },
    { name: 'used over max (soft limit): 0 left', headers: { 'Sforce-Limit-Info': 'api-usage=15100/15000' }, want: [{ window: 'daily', remaining: 0, limit: 15_000 }] },
    { name: 'missing header', headers: {}, want: [] },
    { name: 'garbled: no numbers', headers: { 'Sforce-Limit-Info': 'api-usage=lots/plenty' }, want: [] },
    { name: 'garbled: one number', headers: { 'Sforce-Limit-Info': 'api-usage=18' }, want: [] },
    { name: 'garbled: negative', headers: { 'Sforce-Limit-Info': 'api-usage=-1/100' }, want: [] },
    { name: 'zero max ignored', headers: { 'Sforce-Limit-Info': 'api-usage=0/0' }, want: [] },
    { name: 'case of the key and spaces tolerated', headers: { 'Sforce-Limit-Info': '  API-Usage=10/100 ' }, want: [{ window: 'daily', remaining: 90, limit: 100 }] },
  ]);
});

describe('quota headers: ShipBob x-remaining-calls', () => {
  table(parseShipBobQuota, [
    { name: 'remaining calls of the sliding minute (no limit sent)', headers: { 'x-remaining-calls': '148' }, want: [{ window: 'burst', remaining: 148 }] },
    { name: 'zero (as on a 429)', headers: { 'x-remaining-calls': '0' }, want: [{ window: 'burst', remaining: 0 }] },
    { name: 'missing', headers: {}, want: [] },
    { name: 'garbled', headers: { 'x-remaining-calls': 'NaN' }, want: [] },
    { name: 'negative', headers: { 'x-remaining-calls': '-1' }, want: [] },
  ]);
});

describe('quota headers: generic WMS RateLimit-*', () => {
  table(parseGenericWmsQuota, [
    { name: 'limit and remaining', headers: { 'RateLimit-Limit': '120', 'RateLimit-Remaining': '7' }, want: [{ window: 'burst', remaining: 7, limit: 120 }] },
    { name: 'with RateLimit-Reset (seconds): interval', headers: { 'RateLimit-Limit': '120', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '12' },
      want: [{ window: 'burst', remaining: 0, limit: 120, intervalMs: 12_000 }] },
    { name: 'missing', headers: {}, want: [] },
    { name: 'garbled reset ignored', headers: { 'RateLimit-Limit': '120', 'RateLimit-Remaining': '3', 'RateLimit-Reset': 'soon' }, want: [{ window: 'burst', remaining: 3, limit: 120 }] },
  ]);
});

/** A logger whose lines (JSON objects) the test reads. */
function capturingLog() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (d: Buffer) => { for (const l of d.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>); });
  const log = createLogger({ level: 'debug', format: 'json', redactor: new Redactor(), stream });
  return { log, lines, settle: () => new Promise<void>((r) => setImmediate(r)) };
}

describe('QuotaTracker: daily level, crossing logs, the reserve', () => {
  let t = AT;
  const now = () => t;
  const daily = (remaining: number, limit = 1000): QuotaObservation => ({ window: 'daily', remaining, limit, observedAt: t });
  const quotaLines = (lines: Array<Record<string, unknown>>) => lines.filter((l) => /daily API quota/.test(String(l.message))).map((l) => `${String(l.level)}: ${String(l.message)}`);

  it('one warning per crossing (20 %, then the 10 % reserve), one info on recovery; nothing per request in between', async () => {
    const { log, lines, settle } = capturingLog();
    const q = new QuotaTracker('crm', { reservePercent: 10, warnPercent: 20 }, now);
    for (let left = 300; left >= 50; left -= 5) q.observe([daily(left)], log); // 30 % down to 5 %, 51 answers
    await settle();
    expect(quotaLines(lines)).to.deep.equal([
      'warn: crm: daily API quota below 20% (195 of 1000 left)',
      'warn: crm: daily API quota below the 10% reserve (95 of 1000 left): reconciliation and its re-sends stop calling the target; live events go on',
    ]);
    expect(lines.find((l) => /reserve/.test(String(l.message)))).to.include({ target: 'crm', window: 'daily', remaining: 95, limit: 1000, quotaLevel: 'reserve', previousQuotaLevel: 'low', reservePercent: 10 });
    q.observe([daily(1000)], log); // the daily counter reset
    q.observe([daily(999)], log);
    await settle();
    expect(quotaLines(lines).slice(2)).to.deep.equal(['info: crm: daily API quota recovered (1000 of 1000 left): reconciliation may call the target again']);
  });

  it('a fall straight past the reserve is one warning (the reserve\'s); back above the reserve but still low is an info', async () => {
    const { log, lines, settle } = capturingLog();
    const q = new QuotaTracker('sf', { reservePercent: 10, warnPercent: 20 }, now);
    q.observe([daily(500)], log);
    q.observe([daily(40)], log);
    q.observe([daily(150)], log);
    await settle();
    expect(quotaLines(lines)).to.deep.equal([
      'warn: sf: daily API quota below the 10% reserve (40 of 1000 left): reconciliation and its re-sends stop calling the target; live events go on',
      'info: sf: daily API quota back above the 10% reserve (150 of 1000 left): reconciliation may call the target again',
    ]);
    expect(q.level()).to.equal('low');
  });

  it('a rolling allocation hovering around the reserve does not flap: going back up needs one point more', async () => {
    const { log, lines, settle } = capturingLog();
    const q = new QuotaTracker('sf', { reservePercent: 10, warnPercent: 20 }, now);
    for (const left of [99, 100, 101, 99, 105, 99, 109]) q.observe([daily(left)], log);
    expect(q.level()).to.equal('reserve');
    q.observe([daily(110)], log);
    expect(q.level()).to.equal('low');
    await settle();
    expect(quotaLines(lines)).to.have.length(2);
  });

  it('burst observations and daily ones without a limit move no level', () => {
    const q = new QuotaTracker('wms', { reservePercent: 10, warnPercent: 20 }, now);
    q.observe([{ window: 'burst', remaining: 0, limit: 150, observedAt: t }]);
    q.observe([{ window: 'daily', remaining: 1, observedAt: t }]);
    expect(q.level()).to.equal('ok');
    expect(q.reserveRefusal()).to.equal(undefined);
  });

  it('refuses batch work below the reserve with the message Odoo records; re-checks after QUOTA_RECHECK_MS', () => {
    t = AT;
    const q = new QuotaTracker('crm', { reservePercent: 10, warnPercent: 20 }, now);
    expect(q.reserveRefusal(), 'nothing observed yet').to.equal(undefined);
    q.observe([daily(120)]);
    expect(q.reserveRefusal()).to.equal(undefined);
    q.observe([daily(80)]);
    const err = q.reserveRefusal()!;
    expect(err).to.be.instanceOf(QuotaReserveError);
    expect(err.message).to.equal('stopped: crm API quota below the 10% reserve (used 920 of 1000 today, 80 left)');
    expect(err.retryable).to.equal(true);
    expect(err.details).to.include({ reason: 'quota_reserve', inDoubt: false, remaining: 80, limit: 1000, reservePercent: 10 });
    expect(err.retryAfterMs).to.equal(QUOTA_RECHECK_MS);
    t += QUOTA_RECHECK_MS - 1;
    expect(q.reserveRefusal()).to.be.instanceOf(QuotaReserveError);
    t += 1;
    expect(q.reserveRefusal(), 'old observation: the next batch request goes out and re-checks').to.equal(undefined);
    t = AT;
  });

  it('reserve 0 turns the reserve off; warn 0 turns the warning off', async () => {
    const { log, lines, settle } = capturingLog();
    const off = new QuotaTracker('crm', { reservePercent: 0, warnPercent: 0 }, now);
    off.observe([daily(0)], log);
    expect(off.reserveRefusal()).to.equal(undefined);
    expect(off.level()).to.equal('ok');
    const reserveOnly = new QuotaTracker('crm2', { reservePercent: 10, warnPercent: 0 }, now);
    reserveOnly.observe([daily(150)], log);
    reserveOnly.observe([daily(50)], log);
    await settle();
    expect(quotaLines(lines)).to.have.length(1);
    expect(quotaLines(lines)[0]).to.match(/crm2: daily API quota below the 10% reserve/);
  });

  it('restore (state file): takes newer observations, sets the level without a log line; an older answer never replaces a newer one', async () => {
    const { log, lines, settle } = capturingLog();
    const q = new QuotaTracker('crm', { reservePercent: 10, warnPercent: 20 }, now);
    q.restore([{ window: 'daily', remaining: 30, limit: 1000, observedAt: t - 60_000 }, { window: 'burst', remaining: 9, limit: 10, observedAt: t - 60_000 }]);
    expect(q.level()).to.equal('reserve');
    expect(q.reserveRefusal()).to.be.instanceOf(QuotaReserveError);
    q.observe([{ window: 'daily', remaining: 20, limit: 1000, observedAt: t - 120_000 }], log);
    expect(q.observations().find((o) => o.window === 'daily')!.remaining, 'older ignored').to.equal(30);
    await settle();
    expect(lines).to.deep.equal([]);
    expect(q.observations().map((o) => o.window)).to.deep.equal(['burst', 'daily']);
  });
});
