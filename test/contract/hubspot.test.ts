import { expect } from 'chai';
import { createConnector, type Connector } from '../../bridge/connectors/index.js';
import { PermanentError, TransientError } from '../../bridge/errors/index.js';
import { setUpOdooPortal as setUpPortal } from '../fakes/hubspot/portal.js';
import { startFake, type HubSpotFake } from '../fakes/start.js';
import { deliver, loadPreset, mapCase, non2xx, outbound, secrets, targetConfig, type ContractCase } from './helpers.js';

const preset = loadPreset('hubspot');
const TARGET = 'hubspot_contract';

type Link = { system: string; model: string; id: number; external_id: string };

/**
 * The records HubSpot already has for a case: every res.partner link of the case's xref is a
 * company (e.g. the company of a won deal), every sale.order link a won deal. Returns the case's
 * links re-pointed at the ids the fake gave them.
 */
function seedLinked(fake: HubSpotFake, c: ContractCase): Link[] {
  const links = ((c.case.xref as { links?: Link[] } | undefined)?.links ?? []).map((l) => ({ ...l }));
  for (const l of links) {
    if (l.model === 'res.partner') l.external_id = fake.store.create('companies', { name: `Linked company ${l.id}` }).id;
    if (l.model === 'sale.order') l.external_id = fake.store.create('deals', { dealname: `Won deal ${l.id}`, pipeline: 'default', dealstage: 'closedwon' }).id;
  }
  return links;
}

type Assoc = { to: string; id?: string; idProperty?: string; hubspot_id?: string; optional?: boolean };

/** Companies (and contacts) that association refs name by Odoo id: delivered before (the customer's own event). */
function seedAssociated(fake: HubSpotFake, refs: Assoc[]): Map<Assoc, string | undefined> {
  const out = new Map<Assoc, string | undefined>();
  for (const r of refs) {
    if (r.hubspot_id) out.set(r, r.hubspot_id);
    else if (r.optional) out.set(r, undefined); // not in HubSpot: skipped, not an error
    else out.set(r, fake.store.create(r.to as never, { name: `Customer ${r.id}`, [r.idProperty!]: r.id! }).id);
  }
  return out;
}

/** The association effects the ledger recorded for a pair (create = the first time). */
function assocEffects(fake: HubSpotFake, fromType: string, fromId: string, toType: string, toId: string) {
  return fake.ledger.effectsFor(`${fromType}:${fromId}->${toType}:${toId}`, 'associations');
}

const OBJECT_OF_KIND: Record<string, (payload: Record<string, unknown>) => string> = {
  customer: (p) => (p.object_type === 'contacts' ? 'contacts' : 'companies'),
  product: () => 'products',
};

function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('contract: hubspot mappings -> HubSpot connector -> HubSpot fake (CRM v3)', () => {
  let fake: HubSpotFake;
  let connector: Connector;

  before(async () => {
    fake = await startFake('hubspot');
    setUpPortal(fake);
    connector = createConnector(
      TARGET,
      targetConfig({
        preset: 'hubspot',
        base_url: fake.baseUrl,
        auth: { type: 'bearer', token: { env: 'HUBSPOT_TOKEN' } },
        options: { id_property: 'odoo_id' },
      }),
      secrets({ HUBSPOT_TOKEN: 'hubspot-test-token' }),
    );
  });
  after(async () => fake?.close());
  beforeEach(async () => {
    await fake.reset();
    setUpPortal(fake);
  });

  it('every outbound mapping has at least one successful fixture case', () => {
    expect(preset.mappings.size, 'outbound mappings found').to.be.greaterThan(0);
    expect(preset.uncovered, 'outbound mappings without a successful fixture case').to.deep.equal([]);
  });

  /**
   * Write twice (the second time is a retry): one create (or one PATCH of the linked record) then
   * updates; the stored properties are the mapped ones; the owner is resolved; every association
   * the payload asks for exists, created exactly once.
   */
  async function upsertTwice(c: ContractCase) {
    const links = seedLinked(fake, c);
    const payload = mapCase(c, { xref: { links } });
    const req = outbound(TARGET, c, payload);
    const type = OBJECT_OF_KIND[req.kind]!(payload);
    const key = String(payload.id);
    const idProperty = String(payload.idProperty ?? 'odoo_id');
    const refs = seedAssociated(fake, (payload.associations as Assoc[] | undefined) ?? []);
    const linked = typeof payload.hubspot_id === 'string' ? payload.hubspot_id : undefined;
    const first = await deliver(connector, req);
    expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
    expect(fake.ledger.createsFor(key, type)).to.equal(linked ? 0 : 1);
    const rec = fake.store.findBy(type as never, idProperty, key);
    expect(rec, `${type} with ${idProperty}=${key}`).to.not.equal(undefined);
    expect(rec!.id).to.equal(first.externalRef);
    if (linked) expect(rec!.id).to.equal(linked);
    // The write used the mapping's own unique property, not the preset's default.
    if (idProperty !== 'odoo_id') expect(rec!.properties['odoo_id'] ?? null).to.equal(null);
    for (const [k, v] of Object.entries(payload.properties as Record<string, unknown>)) expect(rec!.properties[k], k).to.equal(String(v));
    const owner = payload.owner as { email?: string } | undefined;
    if (owner?.email) expect(rec!.properties['hubspot_owner_id'], 'hubspot_owner_id').to.equal(fake.owners.all().find((o) => o.email === owner.email)!.id);
    for (const [r, id] of refs) if (id) expect(fake.store.associatedIds(rec!, r.to as never), `associated ${r.to}`).to.include(id);
    const second = await deliver(connector, outbound(TARGET, c, payload, { attempts: 2 }));
    expect(non2xx(fake.ledger.requests, 0)).to.deep.equal([]);
    expect(second.externalRef).to.equal(first.externalRef);
    expect(fake.ledger.createsFor(key, type)).to.equal(linked ? 0 : 1);
    expect(fake.ledger.updatesFor(key, type) + fake.ledger.updatesFor(rec!.id, type)).to.be.greaterThan(0);
    for (const [r, id] of refs) {
      if (!id) continue;
      const effects = assocEffects(fake, type, rec!.id, r.to, id);
      expect(effects.filter((e) => e.kind === 'create'), 'association created once').to.have.length(1);
      expect(effects.filter((e) => e.kind === 'update'), 'the retry re-associated harmlessly').to.have.length(1);
    }
  }

  /**
   * The order's deal twice (the second time is a retry): the linked deal is PATCHed (or one deal
   * is created with the create-only properties), the company association and every line item
   * exist once, line items are associated with the deal once.
   */
  async function dealTwice(c: ContractCase) {
    const links = seedLinked(fake, c);
    const payload = mapCase(c, { xref: { links } });
    const refs = seedAssociated(fake, (payload.associations as Assoc[] | undefined) ?? []);
    const linked = typeof payload.hubspot_id === 'string' ? payload.hubspot_id : undefined;
    const key = String(payload.id);
    const res = await deliver(connector, outbound(TARGET, c, payload, linked ? { externalRef: linked } : {}));
    expect(non2xx(fake.ledger.requests, 0, (r) => r.status === 404 && r.method === 'PATCH'), 'only the PATCH-by-odoo-id probe may 404').to.deep.equal([]);
    const deal = fake.store.findBy('deals', 'odoo_order_id', key)!;
    expect(deal, `deal with odoo_order_id=${key}`).to.not.equal(undefined);
    expect(res.externalRef).to.equal(deal.id);
    if (linked) expect(deal.id).to.equal(linked);
    expect(fake.ledger.createsFor(key, 'deals')).to.equal(linked ? 0 : 1);
    for (const [k, v] of Object.entries(payload.properties as Record<string, unknown>)) expect(deal.properties[k], k).to.equal(String(v));
    const createOnly = (payload.create_properties ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(createOnly)) expect(deal.properties[k] ?? null, k).to.equal(linked ? (k === 'dealname' ? deal.properties['dealname'] : null) : String(v));
    if (linked) expect(deal.properties['dealname']).to.match(/^Won deal/);
    for (const [r, id] of refs) {
      if (id) expect(fake.store.associatedIds(deal, r.to as never), `deal associated with ${r.to}`).to.deep.equal([id]);
      else expect(fake.store.associatedIds(deal, r.to as never), `optional ${r.to} absent: not associated`).to.deep.equal([]);
    }
    const lines = (payload.line_items as Array<{ id: string; properties: Record<string, unknown> }>) ?? [];
    const lineIds = lines.map((l) => fake.store.findBy('line_items', 'odoo_line_id', l.id)!.id);
    expect(fake.store.associatedIds(deal, 'line_items')).to.have.members(lineIds);
    for (const l of lines) {
      const li = fake.store.findBy('line_items', 'odoo_line_id', l.id)!;
      for (const [k, v] of Object.entries(l.properties)) expect(li.properties[k], `line ${l.id} ${k}`).to.equal(String(v));
    }
    // The retry (in doubt: attempts 2) writes nothing twice.
    const again = await deliver(connector, outbound(TARGET, c, payload, { attempts: 2, externalRef: res.externalRef }));
    expect(again.externalRef).to.equal(deal.id);
    expect(fake.ledger.createsFor(key, 'deals')).to.equal(linked ? 0 : 1);
    for (const l of lines) expect(fake.ledger.createsFor(l.id, 'line_items'), `line item ${l.id} created once`).to.equal(1);
    expect(fake.store.all('line_items')).to.have.length(lines.length);
    for (const id of lineIds) expect(assocEffects(fake, 'deals', deal.id, 'line_items', id).filter((e) => e.kind === 'create')).to.have.length(1);
    for (const [r, id] of refs) if (id) expect(assocEffects(fake, 'deals', deal.id, r.to, id).filter((e) => e.kind === 'create')).to.have.length(1);
  }

  for (const c of preset.cases) {
    it(`${c.mappingName} [${c.event}] ${c.case.name}`, async () => {
      const src = c.mapping.source;
      if ((src === 'res.partner' || src.startsWith('product.')) && (c.event === 'upsert' || c.event === 'atp')) return upsertTwice(c);
      if (src === 'sale.order' && c.event === 'status') return dealTwice(c);
      throw new Error(`no contract flow for ${src}/${c.event} (mapping ${c.mapping.file}); add one to test/contract/hubspot.test.ts`);
    });
  }

  const caseNamed = (mapping: string, name: RegExp) => preset.cases.find((x) => x.mappingName === mapping && name.test(x.case.name))!;

  it('owner: the account manager is looked up once by email and cached; an unknown email is a permanent error naming it', async () => {
    const c = caseNamed('customer_upsert', /account manager/);
    const payload = mapCase(c);
    const fresh = createConnector(TARGET, targetConfig({ preset: 'hubspot', base_url: fake.baseUrl, auth: { type: 'bearer', token: { env: 'HUBSPOT_TOKEN' } } }), secrets({ HUBSPOT_TOKEN: 'hubspot-test-token' }));
    await deliver(fresh, outbound(TARGET, c, payload));
    await deliver(fresh, outbound(TARGET, c, { ...payload, id: '99', properties: { ...(payload.properties as object), odoo_partner_id: '99', name: 'Second account' } }));
    expect(fake.ledger.requestsTo('GET', '/crm/v3/owners').map((r) => r.query), 'one owners lookup for two customers of the same manager').to.have.length(1);
    expect(fake.ledger.requestsTo('GET', '/crm/v3/owners')[0]!.query).to.contain('email=dana.reyes%40example.com');
    const unknown = { ...payload, id: '98', owner: { email: 'nobody@example.com' }, properties: { ...(payload.properties as object), odoo_partner_id: '98' } };
    const err = await rejection(deliver(fresh, outbound(TARGET, c, unknown)));
    expect(err).to.be.instanceOf(PermanentError);
    expect((err as PermanentError).category).to.equal('validation');
    expect((err as Error).message).to.contain('no active owner (user) with email nobody@example.com').and.contain('res.partner 20');
    expect(fake.store.findBy('companies', 'odoo_partner_id', '98'), 'nothing written').to.equal(undefined);
    // Marked optional in the mapping: written without an owner.
    const res = await deliver(fresh, outbound(TARGET, c, { ...unknown, owner: { email: 'nobody@example.com', optional: true } }));
    expect(res.summary).to.contain('not a HubSpot user');
    expect(fake.store.findBy('companies', 'odoo_partner_id', '98')!.properties['hubspot_owner_id'] ?? null).to.equal(null);
  });

  it('association: a contact whose company is not in HubSpot yet is written, retried (transient), and associated once the company arrives', async () => {
    const c = caseNamed('customer_upsert', /person of a company/);
    const payload = mapCase(c, { xref: { links: [] } });
    const err = await rejection(deliver(connector, outbound(TARGET, c, payload)));
    expect(err).to.be.instanceOf(TransientError);
    expect((err as Error).message).to.contain('companies odoo_partner_id=20').and.contain('no such record yet');
    const contact = fake.store.findBy('contacts', 'odoo_partner_id', '21')!;
    expect(contact, 'the contact itself was written').to.not.equal(undefined);
    const company = fake.store.create('companies', { name: 'Northwind', odoo_partner_id: '20' });
    await deliver(connector, outbound(TARGET, c, payload, { attempts: 2 }));
    await deliver(connector, outbound(TARGET, c, payload, { attempts: 3 }));
    expect(fake.ledger.createsFor('21', 'contacts')).to.equal(1);
    expect(fake.store.associatedIds(contact, 'companies')).to.deep.equal([company.id]);
    expect(fake.store.associatedIds(company, 'contacts'), 'both directions').to.deep.equal([contact.id]);
    expect(assocEffects(fake, 'contacts', contact.id, 'companies', company.id).map((e) => e.kind)).to.deep.equal(['create', 'update']);
  });

  it('association under the burst limit: the rate-limited association call fails the attempt, the retry associates; nothing is created twice', async () => {
    const c = caseNamed('customer_upsert', /person of a company/);
    const company = fake.store.create('companies', { name: 'Northwind', odoo_partner_id: '20' });
    const payload = mapCase(c, { xref: { links: [] } });
    const clock = { t: Date.now(), now: () => clock.t, sleep: async (ms: number) => { clock.t += ms; } };
    const limited = createConnector(TARGET, targetConfig({ preset: 'hubspot', base_url: fake.baseUrl, auth: { type: 'bearer', token: { env: 'HUBSPOT_TOKEN' } }, options: { max_wait_ms: 0 } }), secrets({ HUBSPOT_TOKEN: 'hubspot-test-token' }), { now: clock.now, sleep: clock.sleep });
    fake.limiters.burst.limit = 2; // batch read of the company + contact upsert pass; the association is over the limit
    const err = await rejection(deliver(limited, outbound(TARGET, c, payload)));
    expect(err).to.be.instanceOf(TransientError);
    expect((err as TransientError).rateLimited).to.equal(true);
    // The contact upsert's answer said X-HubSpot-RateLimit-Remaining: 0: the client paused for the
    // window (X-HubSpot-RateLimit-Interval-Milliseconds) instead of provoking a 429.
    expect((err as TransientError).details).to.include({ reason: 'paused' });
    expect(fake.ledger.requests.map((r) => r.status)).to.not.include(429);
    fake.clock.advance(10_000);
    clock.t += 11_000;
    fake.limiters.burst.limit = 100;
    await deliver(limited, outbound(TARGET, c, payload, { attempts: 2 }));
    const contact = fake.store.findBy('contacts', 'odoo_partner_id', '21')!;
    expect(fake.ledger.createsFor('21', 'contacts')).to.equal(1);
    expect(fake.store.all('contacts')).to.have.length(1);
    expect(fake.store.associatedIds(contact, 'companies')).to.deep.equal([company.id]);
    expect(assocEffects(fake, 'contacts', contact.id, 'companies', company.id).filter((e) => e.kind === 'create')).to.have.length(1);
  });

  it('409 CONFLICT: a contact a user created with the same email is adopted (stamped with the Odoo id), not duplicated', async () => {
    const c = caseNamed('customer_upsert', /two-word last name/);
    const mine = fake.store.create('contacts', { email: 'ada@example.com', firstname: 'Ada' });
    // The fake's own answer to a create with a taken email, as HubSpot documents it.
    const direct = await fetch(`${fake.baseUrl}/crm/v3/objects/contacts`, { method: 'POST', headers: { authorization: 'Bearer hubspot-test-token', 'content-type': 'application/json' }, body: JSON.stringify({ properties: { email: 'ada@example.com' } }) });
    expect(direct.status).to.equal(409);
    const body = (await direct.json()) as Record<string, unknown>;
    expect(body).to.include({ status: 'error', message: `Contact already exists. Existing ID: ${mine.id}`, category: 'CONFLICT' });
    expect(body.correlationId).to.be.a('string');
    const payload = mapCase(c);
    const res = await deliver(connector, outbound(TARGET, c, payload));
    expect(res.externalRef).to.equal(mine.id);
    expect(res.summary).to.contain('adopted');
    expect(fake.store.all('contacts')).to.have.length(1);
    expect(mine.properties['odoo_partner_id']).to.equal('12');
    const again = await deliver(connector, outbound(TARGET, c, payload, { attempts: 2 }));
    expect(again.externalRef).to.equal(mine.id);
    expect(fake.store.all('contacts')).to.have.length(1);
  });

  it('a won deal with the rep\'s own line items keeps them: no second set is created', async () => {
    const c = caseNamed('order_status', /won deal/);
    const company = fake.store.create('companies', { name: 'Contoso NV' });
    const won = await fake.sim.closeWonDeal({ companyId: company.id, lineItems: [{ name: 'Blue mug', hs_sku: 'MUG-BLUE', quantity: 24, price: 11.5 }] });
    const payload = mapCase(c, { xref: { links: [{ system: 'hubspot', model: 'sale.order', id: 42, external_id: won.deal.id }, { system: 'hubspot', model: 'res.partner', id: 9, external_id: company.id }] } });
    const res = await deliver(connector, outbound(TARGET, c, payload, { externalRef: won.deal.id }));
    expect(res.summary).to.contain('line item(s) of its own');
    expect(fake.store.all('line_items')).to.have.length(1);
    expect(fake.store.get('deals', won.deal.id)!.properties['dealstage']).to.equal('odoo_partially_shipped');
    expect(fake.store.associatedIds(fake.store.get('deals', won.deal.id)!, 'companies')).to.deep.equal([company.id]);
  });

  it('order lines removed in Odoo: the bridge\'s line item is archived; a linked deal deleted in HubSpot (404) is re-created by odoo_order_id', async () => {
    const c = caseNamed('order_status', /not yet picked/);
    fake.store.create('companies', { name: 'Contoso NV', odoo_partner_id: '9' });
    const payload = mapCase(c);
    const first = await deliver(connector, outbound(TARGET, c, payload));
    expect(fake.store.all('line_items')).to.have.length(1);
    await deliver(connector, outbound(TARGET, c, { ...payload, line_items: [] }, { externalRef: first.externalRef }));
    expect(fake.store.all('line_items'), 'archived').to.have.length(0);
    fake.store.get('deals', first.externalRef!)!.archived = true;
    const second = await deliver(connector, outbound(TARGET, c, payload, { externalRef: first.externalRef }));
    expect(second.externalRef).to.not.equal(first.externalRef);
    expect(fake.ledger.requestsTo('PATCH', `/crm/v3/objects/deals/${first.externalRef}`).map((r) => r.status)).to.include(404);
    expect(fake.store.all('deals')).to.have.length(1);
  });

  it('v4 association endpoints: auth, schema, 404 for unknown records, 207 for unknown ids in a batch', async () => {
    const a = fake.store.create('contacts', { email: 'x@example.com' });
    const b = fake.store.create('companies', { name: 'X' });
    const call = (method: string, path: string, body?: unknown, token = 'hubspot-test-token') =>
      fetch(`${fake.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await call('PUT', `/crm/v4/objects/contacts/${a.id}/associations/default/companies/${b.id}`, undefined, 'wrong')).status).to.equal(401);
    const missing = await call('PUT', `/crm/v4/objects/contacts/${a.id}/associations/default/companies/999`);
    expect(missing.status).to.equal(404);
    expect(await missing.json()).to.include({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    const bad = await call('POST', '/crm/v4/associations/contacts/companies/batch/associate/default', { inputs: [{ from: { id: a.id }, too: { id: b.id } }] });
    expect(bad.status).to.equal(400);
    expect(await bad.json()).to.include({ category: 'VALIDATION_ERROR' });
    const partial = await call('POST', '/crm/v4/associations/contacts/companies/batch/associate/default', { inputs: [{ from: { id: a.id }, to: { id: b.id } }, { from: { id: a.id }, to: { id: '999' } }] });
    expect(partial.status).to.equal(207);
    const pb = (await partial.json()) as { results: unknown[]; numErrors: number; errors: Array<{ category: string }> };
    expect(pb.results).to.have.length(1);
    expect(pb.errors[0]!.category).to.equal('OBJECT_NOT_FOUND');
    expect(fake.store.associatedIds(a, 'companies')).to.deep.equal([b.id]);
  });

  it('negative: a contact with an invalid email is rejected by HubSpot (PermanentError with its message)', async () => {
    const c = preset.cases.find((x) => x.mapping.source === 'res.partner' && (x.case.input as { email?: unknown }).email)!;
    const payload = mapCase(c);
    (payload.properties as Record<string, unknown>).email = 'not-an-email';
    const err = await deliver(connector, outbound(TARGET, c, payload)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(PermanentError);
    expect((err as Error).message).to.contain('Email address not-an-email is invalid');
    expect(fake.ledger.createsFor(String(payload.id), 'contacts')).to.equal(0);
  });
});
