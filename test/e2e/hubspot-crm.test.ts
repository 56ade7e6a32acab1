import { expect } from 'chai';
import { setUpOdooPortal } from '../fakes/hubspot/portal.js';
import { startFake, type HubSpotFake } from '../fakes/start.js';
import { create, ensureProduct, ensureTarget, groupsField, odooTestEnv, searchRead, serviceGateway, xmlId } from './support/odoo-env.js';
import { freePort, mappingsSubset, startSidecar, waitFor, type RunningSidecar } from './support/sidecar.js';

/**
 * HubSpot CRM preset on real Odoo 18 (issue 4): a company with its account manager and a person
 * of it are pushed (company.hubspot_owner_id from the owners API, contact associated with the
 * company); an order of that person is confirmed -> its deal is created once with the fulfilment
 * stage, associated with the company and the contact, with one line item per order line; then a
 * HubSpot user reassigns the company -> owner-change webhook -> the Odoo partner's salesperson
 * (user_id, a CRM-owned field) changes, without an echo back to HubSpot.
 */
describe('e2e: HubSpot CRM preset (associations, account manager, deal stage)', function () {
  this.timeout(600_000);
  const env = odooTestEnv();
  const RUN = Date.now().toString(36);
  const CRM = `crm_hs_${RUN}`;
  const DANA = `dana.${RUN}@example.com`;
  const SAM = `sam.${RUN}@example.com`;
  let hs: HubSpotFake;
  let sidecar: RunningSidecar | undefined;
  let port: number;
  let targetId: number;
  let dana: number;
  let sam: number;
  let companyId: number;
  let personId: number;

  before(async function () {
    await serviceGateway(env);
    hs = await startFake('hubspot');
    setUpOdooPortal(hs, [{ email: DANA, firstName: 'Dana', lastName: 'Reyes' }, { email: SAM, firstName: 'Sam', lastName: 'Lee' }]);
    const stale = await searchRead<{ id: number }>(env.admin, 'sync.target', [['code', '=like', 'crm_hs_%']], ['id']);
    if (stale.length) await env.admin.call({ model: 'sync.target', method: 'write', args: [stale.map((t) => t.id), { active: false }] });
    const salesman = await xmlId(env.admin, 'sales_team.group_sale_salesman');
    dana = await create(env.admin, 'res.users', { name: `Dana Reyes ${RUN}`, login: DANA, email: DANA, [groupsField(env)]: [[6, 0, [salesman]]] });
    // Sam logs in with a short login: Odoo finds him by his email.
    sam = await create(env.admin, 'res.users', { name: `Sam Lee ${RUN}`, login: `slee-${RUN}`, email: SAM, [groupsField(env)]: [[6, 0, [salesman]]] });
    targetId = await ensureTarget(env, CRM, {
      name: 'HubSpot CRM (e2e)', kind: 'crm', trigger_order_release: false, trigger_order_cancel: false, trigger_order_amend: false,
      trigger_order_status: true, trigger_partner_upsert: true, trigger_product_upsert: false, crm_owned_fields: 'user_id',
    });
    port = await freePort();
    hs.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${CRM}`);
    const mappings = mappingsSubset({ hubspot: ['customer_upsert.yaml', 'order_status.yaml', 'partner_change.yaml'] });
    sidecar = startSidecar(env, `
odoo: { url: '${env.url}', db: '${env.db}', username: x, api_key: { env: ODOO_API_KEY } }
worker: { batch_size: 50, poll_min_ms: 200, poll_max_ms: 1000, lease_seconds: 60, backoff_base_ms: 300, backoff_max_ms: 1500 }
state: { path: '$STATE' }
server: { port: ${port}, host: 127.0.0.1, public_url: 'http://127.0.0.1:${port}' }
inbound: { poll_ms: 200, backoff_base_ms: 500, backoff_max_ms: 2000 }
mappings: { dir: '$MAPPINGS' }
targets:
  ${CRM}:
    preset: hubspot
    base_url: '${hs.url}'
    auth: { type: bearer, token: { env: HUBSPOT_TOKEN } }
    webhook_secret: { env: HUBSPOT_SECRET }
`, { HUBSPOT_TOKEN: 'hubspot-test-token', HUBSPOT_SECRET: hs.appSecret }, { mappingsDir: mappings });
    await waitFor('sidecar listening', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok, 60_000);
  });

  after(async function () {
    await hs?.close();
    const mine = await searchRead<{ id: number }>(env.admin, 'sync.target', [['code', '=', CRM]], ['id']);
    if (mine.length) await env.admin.call({ model: 'sync.target', method: 'write', args: [mine.map((t) => t.id), { active: false }] });
    if (!sidecar) return;
    const code = await sidecar.stop();
    if (this.currentTest?.state === 'failed' || process.env.E2E_VERBOSE || code !== 0) console.log(sidecar.output().slice(-8000));
    expect(code, 'sidecar exits 0 on SIGTERM').to.equal(0);
  });

  const events = (model: string, resId: number, type: string) =>
    searchRead<{ state: string; last_error_message: string | false }>(env.admin, 'sync.event', [['target_id', '=', targetId], ['model', '=', model], ['res_id', '=', resId], ['event_type', '=', type]], ['state', 'last_error_message']);
  const allDone = async (model: string, resId: number, type: string) => {
    const ev = await events(model, resId, type);
    return ev.length > 0 && ev.every((e) => e.state === 'done');
  };

  it('a company with its account manager and a person of it: owner set, contact associated with the company', async () => {
    const usId = await xmlId(env.admin, 'base.us');
    // The person first: their event may be delivered before the company's (retried until the company is in HubSpot).
    companyId = await create(env.admin, 'res.partner', {
      name: `Northwind ${RUN}`, is_company: true, phone: '+1 206 555 0142', street: '1200 Harbor Ave SW', city: 'Seattle', zip: '98126', country_id: usId, user_id: dana,
    });
    personId = await create(env.admin, 'res.partner', { name: `Priya Natarajan${RUN}`, parent_id: companyId, email: `priya.${RUN}@northwind.example`, type: 'contact' });
    await waitFor('customer events done', async () => (await allDone('res.partner', companyId, 'upsert')) && (await allDone('res.partner', personId, 'upsert')), 120_000);
    const company = hs.store.findBy('companies', 'odoo_partner_id', String(companyId))!;
    expect(company, 'HubSpot company').to.not.equal(undefined);
    expect(company.properties).to.include({ name: `Northwind ${RUN}`, city: 'Seattle', hubspot_owner_id: hs.owners.all().find((o) => o.email === DANA)!.id });
    const contact = hs.store.findBy('contacts', 'odoo_partner_id', String(personId))!;
    expect(contact.properties).to.include({ firstname: 'Priya', email: `priya.${RUN}@northwind.example` });
    expect(hs.store.associatedIds(contact, 'companies')).to.deep.equal([company.id]);
    expect(hs.ledger.effectsFor(`contacts:${contact.id}->companies:${company.id}`, 'associations').filter((e) => e.kind === 'create')).to.have.length(1);
    expect(hs.ledger.createsFor(String(companyId), 'companies')).to.equal(1);
    expect(hs.ledger.createsFor(String(personId), 'contacts')).to.equal(1);
    const links = await searchRead<{ res_id: number; external_id: string }>(env.admin, 'sync.link', [['target_id', '=', targetId], ['model', '=', 'res.partner'], ['res_id', 'in', [companyId, personId]]], ['res_id', 'external_id']);
    expect(Object.fromEntries(links.map((l) => [l.res_id, l.external_id]))).to.deep.equal({ [companyId]: company.id, [personId]: contact.id });
  });

  it('an order confirmed in Odoo: one deal at the confirmed stage, associated with the company, the contact and its line items', async () => {
    const mug = await ensureProduct(env, `HS-MUG-${RUN}`, 'Mug', 12);
    const jug = await ensureProduct(env, `HS-JUG-${RUN}`, 'Jug', 20);
    const order = await create(env.admin, 'sale.order', {
      partner_id: personId,
      order_line: [[0, 0, { product_id: mug, product_uom_qty: 24, price_unit: 11.5, discount: 10 }], [0, 0, { product_id: jug, product_uom_qty: 3, price_unit: 20 }]],
    });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [order] });
    const [so] = await searchRead<{ name: string; order_line: number[] }>(env.admin, 'sale.order', [['id', '=', order]], ['name', 'order_line']);
    await waitFor('status event done', async () => allDone('sale.order', order, 'status'), 120_000);
    const deal = hs.store.findBy('deals', 'odoo_order_id', String(order))!;
    expect(deal, 'HubSpot deal').to.not.equal(undefined);
    expect(deal.properties).to.include({ odoo_order_ref: so!.name, pipeline: 'odoo_fulfilment', dealstage: 'odoo_confirmed', odoo_order_status: 'confirmed', dealname: `Northwind ${RUN} - ${so!.name}` });
    expect(hs.ledger.createsFor(String(order), 'deals')).to.equal(1);
    const company = hs.store.findBy('companies', 'odoo_partner_id', String(companyId))!;
    const contact = hs.store.findBy('contacts', 'odoo_partner_id', String(personId))!;
    expect(hs.store.associatedIds(deal, 'companies')).to.deep.equal([company.id]);
    expect(hs.store.associatedIds(deal, 'contacts')).to.deep.equal([contact.id]);
    const items = so!.order_line.map((l) => hs.store.findBy('line_items', 'odoo_line_id', String(l))!);
    expect(items.every(Boolean), 'a line item per order line').to.equal(true);
    expect(hs.store.associatedIds(deal, 'line_items')).to.have.members(items.map((i) => i.id));
    expect(items.map((i) => [i.properties['hs_sku'], i.properties['quantity'], i.properties['price']])).to.deep.equal([[`HS-MUG-${RUN}`, '24', '11.50'], [`HS-JUG-${RUN}`, '3', '20.00']]);
    for (const l of so!.order_line) expect(hs.ledger.createsFor(String(l), 'line_items'), `line item ${l} created once`).to.equal(1);
    const [link] = await searchRead<{ external_id: string }>(env.admin, 'sync.link', [['target_id', '=', targetId], ['model', '=', 'sale.order'], ['res_id', '=', order]], ['external_id']);
    expect(link!.external_id).to.equal(deal.id);
    // A second status (cancel) moves the same deal; nothing is created again.
    await env.admin.call({ model: 'sale.order', method: 'action_cancel', ids: [order], context: { disable_cancel_warning: true } });
    await waitFor('cancelled stage in HubSpot', async () => hs.store.get('deals', deal.id)?.properties['dealstage'] === 'odoo_cancelled', 120_000);
    expect(hs.store.all('deals').filter((d) => d.properties['odoo_order_id'] === String(order))).to.have.length(1);
    for (const l of so!.order_line) expect(hs.ledger.createsFor(String(l), 'line_items')).to.equal(1);
  });

  it('a HubSpot user reassigns the company: owner-change webhook -> the Odoo salesperson changes (CRM-owned), no echo', async () => {
    const company = hs.store.findBy('companies', 'odoo_partner_id', String(companyId))!;
    const samOwner = hs.owners.all().find((o) => o.email === SAM)!;
    const upsertsBefore = (await events('res.partner', companyId, 'upsert')).length;
    const { deliveries } = await hs.sim.changeProperty('companies', company.id, 'hubspot_owner_id', samOwner.id);
    expect(deliveries.map((d) => d.status)).to.include(200);
    await waitFor('Odoo salesperson = Sam', async () => {
      const [p] = await searchRead<{ user_id: [number, string] | false }>(env.admin, 'res.partner', [['id', '=', companyId]], ['user_id']);
      return p?.user_id && p.user_id[0] === sam;
    }, 120_000);
    const [msg] = await searchRead<{ state: string; kind: string }>(env.admin, 'sync.inbound.message', [['target_id', '=', targetId], ['kind', '=', 'partner_change']], ['state', 'kind'], { order: 'id desc', limit: 1 });
    expect(msg!.state).to.equal('applied');
    expect((await events('res.partner', companyId, 'upsert')).length, 'no upsert echoed back to HubSpot').to.equal(upsertsBefore);
    expect(hs.store.get('companies', company.id)!.properties['hubspot_owner_id']).to.equal(samOwner.id);
  });
});
