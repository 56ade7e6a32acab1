import { expect } from 'chai';
import path from 'node:path';
import { InboxStore } from '../../../bridge/state/inbox-store.js';
import { pollSalesforceOpportunities } from '../../../bridge/inbound/pollers.js';
import { InboundPreparer } from '../../../bridge/inbound/prepare.js';
import { InboxProcessor } from '../../../bridge/inbound/processor.js';
import type { TargetHttpClient } from '../../../bridge/connectors/http/http-client.js';
import { FakeSink, repoRoot, target, tempDb } from './helpers.js';

/** A stand-in for the Salesforce REST API: updated ids + the three SOQL reads. */
function sfClient(log: string[]): TargetHttpClient {
  const opp = {
    Id: '006A', Name: 'Big deal', StageName: 'Closed Won', CloseDate: '2026-11-20',
    Account: { Id: '001A', Name: 'Acme', Odoo_Vat__c: null, BillingStreet: '1 Main St\nSuite 2', BillingCity: 'Springfield', BillingPostalCode: '62701', BillingState: 'IL', BillingCountryCode: 'US' },
  };
  return {
    code: 'crm_sf', baseUrl: 'https://x.my.salesforce.com',
    async request(req: { path: string; query?: Record<string, unknown> }) {
      log.push(`${req.path} ${String(req.query?.q ?? req.query?.start ?? '')}`);
      if (req.path.includes('/updated/')) return { status: 200, headers: new Headers(), body: { ids: ['006A', '006B'], latestDateCovered: '2026-11-22T08:00:00.000+0000' } };
      const q = String(req.query?.q);
      if (q.includes('FROM Opportunity ')) return { status: 200, headers: new Headers(), body: { done: true, records: [opp] } };
      if (q.includes('FROM OpportunityContactRole')) return { status: 200, headers: new Headers(), body: { done: true, records: [{ OpportunityId: '006A', Contact: { Email: 'Buyer@Acme.example' } }] } };
      if (q.includes('FROM OpportunityLineItem')) return { status: 200, headers: new Headers(), body: { done: true, records: [{ OpportunityId: '006A', ProductCode: 'MUG-1', Quantity: 4, UnitPrice: 9.5, Discount: null }] } };
      throw new Error(`unexpected ${req.path}`);
    },
  } as unknown as TargetHttpClient;
}

describe('Salesforce poller: opportunities updated since the watermark -> inbox -> canonical sale order', () => {
  it('stores Closed Won opportunities once, advances the watermark, and they map to sale orders', async () => {
    const store = new InboxStore(tempDb().db);
    const log: string[] = [];
    const now = Date.parse('2026-11-22T08:00:30Z');
    const r1 = await pollSalesforceOpportunities('crm_sf', sfClient(log), store, { lookbackMinutes: 60, now: () => now });
    expect(r1).to.include({ found: 1, stored: 1 });
    expect(store.watermark('crm_sf', 'opportunity_updated')).to.equal('2026-11-22T08:00:00.000Z');
    expect(log[0]).to.contain('2026-11-22T07:00:30');
    expect(log[1]).to.contain("Id IN ('006A', '006B') AND StageName = 'Closed Won'");
    // The next poll starts at the watermark; the same opportunity again is a duplicate.
    const r2 = await pollSalesforceOpportunities('crm_sf', sfClient(log), store, { lookbackMinutes: 60, now: () => now + 120_000 });
    expect(r2).to.include({ found: 1, stored: 0, duplicate: 1 });
    const sink = new FakeSink();
    await new InboxProcessor(store, new InboundPreparer(path.join(repoRoot, 'mappings'), { crm_sf: target('salesforce') }), sink, { batchSize: 10, pollMs: 10, backoffBaseMs: 10, backoffMaxMs: 10 }).drain();
    expect(sink.applied).to.have.length(1);
    const so = sink.applied[0]!;
    expect(so).to.include({ kind: 'sale_order', message_id: 'salesforce:opportunity:006A:closed_won' });
    expect(so.payload.customer).to.deep.include({ external_id: '001A', email: 'buyer@acme.example' });
    expect((so.payload.customer as { address: Record<string, string> }).address).to.deep.include({ street: '1 Main St', street2: 'Suite 2', country_code: 'US' });
    expect(so.payload.lines).to.deep.equal([{ sku: 'MUG-1', quantity: 4, unit_price: 9.5 }]);
  });

  it('a window shorter than a minute is not polled (Salesforce counts whole minutes)', async () => {
    const store = new InboxStore(tempDb().db);
    store.setWatermark('crm_sf', 'opportunity_updated', '2026-11-22T08:00:00.000Z');
    const log: string[] = [];
    const r = await pollSalesforceOpportunities('crm_sf', sfClient(log), store, { lookbackMinutes: 60, now: () => Date.parse('2026-11-22T08:00:30Z') });
    expect(r.found).to.equal(0);
    expect(log).to.have.length(0);
  });
});
