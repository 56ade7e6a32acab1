import { expect } from 'chai';
import path from 'node:path';
import { createConnector } from '../../../bridge/connectors/index.js';
import type { BaseConnector } from '../../../bridge/connectors/base-connector.js';
import { pollSalesforceAccounts } from '../../../bridge/inbound/poll-salesforce-accounts.js';
import { InboundPreparer } from '../../../bridge/inbound/prepare.js';
import { InboxStore, type InboxRow } from '../../../bridge/state/inbox-store.js';
import { startFake, type SalesforceFake } from '../../fakes/start.js';
import { SALES_REP_ID } from '../../fakes/salesforce/simulator.js';
import { secrets, targetConfig } from '../../contract/helpers.js';
import { repoRoot, tempDb } from './helpers.js';

type Obj = Record<string, unknown>;

describe('Salesforce Account changes (stewardship): SOQL poll on SystemModstamp, own writes skipped, cursor after the inbox', () => {
  let fake: SalesforceFake;
  let http: BaseConnector['http'];
  let conn: BaseConnector;
  const cfg = () => targetConfig({
    preset: 'salesforce', base_url: `${fake.url}/services/data/v61.0/`,
    auth: { type: 'oauth2_client_credentials', token_url: `${fake.url}/services/oauth2/token`, client_id: fake.clientId, client_secret: { env: 'SF_SECRET' } },
  });
  before(async () => { fake = await startFake('salesforce', { queryBatchSize: 200 }); });
  after(async () => fake?.close());
  beforeEach(async () => {
    await fake.reset();
    conn = createConnector('crm_sf', cfg(), secrets({ SF_SECRET: 'sf-client-secret' })) as BaseConnector;
    http = conn.http;
  });

  /** An Account the bridge created (an upsert by Odoo id through the API, i.e. the integration user). */
  async function bridgeAccount(odooId: string, values: Obj): Promise<string> {
    const token = await fake.token();
    const res = await fetch(`${fake.url}/services/data/v61.0/sobjects/Account/Odoo_Id__c/${odooId}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(values),
    });
    expect(res.status).to.be.oneOf([200, 201, 204]);
    return fake.store.findBy('Account', 'Odoo_Id__c', odooId)[0]!.Id;
  }
  const soqlOf = (from: number) => fake.ledger.requests.slice(from).filter((r) => r.path.endsWith('/query')).map((r) => new URLSearchParams(r.query.replace(/^\?/, '')).get('q') ?? '');

  it('fake: userinfo names the integration user; SOQL filters on SystemModstamp and LastModifiedById (15 or 18 characters), pages by nextRecordsUrl', async () => {
    const token = await fake.token();
    const info = await (await fetch(`${fake.url}/services/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } })).json() as Obj;
    expect(info.user_id).to.match(/^005\w{15}$/);
    expect((await fetch(`${fake.url}/services/oauth2/userinfo`)).status).to.equal(401);
    const id = await bridgeAccount('1', { Name: 'Bot made' });
    expect(fake.store.get('Account', id)!['LastModifiedById']).to.equal(info.user_id);
    fake.sim.editRecord('Account', id, { BillingCity: 'Newtown' });
    const q = async (soql: string) => (await (await fetch(`${fake.url}/services/data/v61.0/query?q=${encodeURIComponent(soql)}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Obj;
    const user15 = String(info.user_id).slice(0, 15);
    expect((await q(`SELECT Id FROM Account WHERE LastModifiedById != '${user15}'`)).totalSize).to.equal(1);
    expect((await q(`SELECT Id FROM Account WHERE LastModifiedById = '${String(info.user_id)}'`)).totalSize).to.equal(0);
    expect((await q(`SELECT Id FROM Account WHERE SystemModstamp >= 2999-01-01T00:00:00Z`)).totalSize).to.equal(0);
  });

  it('a rep\'s edits become account.changed messages once (the bridge\'s writes and re-polls do not), new accounts account.created; they map to partner_change / partner_new', async () => {
    const { db } = tempDb();
    const store = new InboxStore(db);
    const poll = () => pollSalesforceAccounts('crm_sf', http, store, { lookbackMinutes: 60 });
    const a = await bridgeAccount('42', { Name: 'Northwind', BillingStreet: '1 Old St', BillingCity: 'Springfield', BillingCountry: 'United States' });
    const before = fake.ledger.requests.length;
    expect(await poll(), 'only the bridge wrote: nothing to propose').to.include({ found: 0 });
    expect(soqlOf(before)[0]).to.match(/FROM Account WHERE SystemModstamp >= \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ AND LastModifiedById != '005\w{15}' ORDER BY SystemModstamp ASC/);
    fake.clock.advance(1000);
    fake.sim.editRecord('Account', a, { BillingStreet: '5 New Street', BillingCity: 'Newtown' });
    const created = fake.sim.createRecord('Account', { Name: 'Azure Interior', BillingCity: 'Gent', BillingCountry: 'Belgium' });
    expect(await poll()).to.include({ found: 2, stored: 2 });
    const cursor = store.watermark('crm_sf', 'account_modstamp');
    expect(cursor).to.equal(new Date(String(created['SystemModstamp'])).toISOString());
    expect(await poll(), 'a re-poll (overlap) stores nothing new').to.include({ stored: 0, duplicate: 2 });
    // The bridge re-sends Odoo's value (a rejected proposal): not a change to propose again.
    fake.clock.advance(1000);
    await bridgeAccount('42', { BillingStreet: '1 Old St', BillingCity: 'Springfield' });
    expect(await poll()).to.include({ stored: 0 });
    const rows = db.prepare('SELECT * FROM inbox ORDER BY id').all() as InboxRow[];
    expect(rows.map((r) => [r.topic, r.message_id.replace(/:\d{4}-.*$/, '')])).to.deep.equal([
      ['account.changed', `salesforce:account:${a}`], ['account.created', `salesforce:account:${created.Id}`],
    ]);
    const prep = new InboundPreparer(path.join(repoRoot, 'mappings'), { crm_sf: cfg() }, () => http);
    const change = (await prep.prepare(rows[0]!)).item;
    expect(change.kind).to.equal('partner_change');
    expect(change.payload).to.deep.include({ source: 'salesforce', object_type: 'company', external_id: a, changed_by: SALES_REP_ID });
    expect(change.payload.changes).to.deep.include({ name: 'Northwind', street: '5 New Street', street2: false, city: 'Newtown', country_code: 'US' });
    const fresh = (await prep.prepare(rows[1]!)).item;
    expect(fresh.kind).to.equal('partner_new');
    expect(fresh.payload).to.deep.include({ external_id: created.Id, name: 'Azure Interior', city: 'Gent', country_code: 'BE' });
    db.close();
  });

  it('pages through more Accounts than one query batch and advances the cursor to the newest; a bad integration user id fails before any SOQL and the cursor stays', async () => {
    const { db } = tempDb();
    const store = new InboxStore(db);
    for (let i = 0; i < 450; i++) fake.sim.createRecord('Account', { Name: `Account ${i}` }, SALES_REP_ID);
    const r = await pollSalesforceAccounts('crm_sf', http, store, { lookbackMinutes: 60 });
    expect(r).to.include({ found: 450, stored: 450 });
    const mark = store.watermark('crm_sf', 'account_modstamp');
    expect(fake.ledger.requests.filter((q) => /\/query\/01g/.test(q.path))).to.have.length(2);
    fake.clock.advance(1000);
    fake.sim.editRecord('Account', fake.store.all('Account')[0]!.Id, { Phone: '+1 555 0100' });
    await pollSalesforceAccounts('crm_sf', http, store, { lookbackMinutes: 60, integrationUserId: "x' OR Name != '" }).then(
      () => expect.fail('a bad user id must not reach SOQL'),
      (err: Error) => expect(err.message).to.match(/integration_user_id/),
    );
    expect(store.watermark('crm_sf', 'account_modstamp')).to.equal(mark);
    db.close();
  });
});
