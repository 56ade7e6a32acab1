import { expect } from 'chai';
import { startFake, type HubSpotFake } from '../fakes/start.js';
import type { HsRecord } from '../fakes/hubspot/store.js';
import { ensureProduct, ensureTarget, odooTestEnv, searchRead, serviceGateway } from './support/odoo-env.js';
import { configHead, FAST_INBOUND, FAST_WORKER, publicServer } from './support/sidecar-config.js';
import { freePort, mappingsSubset, startSidecar, stopSidecarExpectingZero, waitFor, waitListening, type RunningSidecar } from './support/sidecar.js';
import { archiveTargets, codesLike } from './support/targets.js';

interface InboundRow { id: number; message_id: string; state: string; result_summary: string | false; error: string | false }

/**
 * HubSpot approved deals whose webhook was lost are caught up by the poll (real sidecar binary,
 * real Odoo 18, HubSpot fake): a deal won while the webhook is refused (the sidecar answers 401 to
 * every attempt, as with a misconfigured secret) becomes exactly one sale order once the poll
 * finds it, and later polls (the same approval again: inbox duplicates) add nothing; a deal
 * whose webhook was delivered and that the poll finds as well is two inbound messages in Odoo,
 * the second one "already up to date" (quote fingerprint), and still one order.
 */
describe('e2e: HubSpot approved-deal poll (lost webhook caught up, webhook + poll = one order)', function () {
  this.timeout(300_000);
  const env = odooTestEnv();
  const RUN = Date.now().toString(36);
  const CRM = `crm_hp_${RUN}`;
  const SKU = 'HPOLL-MUG';
  let hs: HubSpotFake;
  let sidecar: RunningSidecar | undefined;
  let port: number;

  before(async () => {
    await serviceGateway(env);
    hs = await startFake('hubspot');
    await archiveTargets(env, codesLike(['crm_hp_%']));
    await ensureTarget(env, CRM, {
      name: 'HubSpot deal poll (e2e)', kind: 'crm', customer_policy: 'create', confirm_crm_orders: false,
      trigger_order_release: false, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false,
      trigger_partner_upsert: false, trigger_product_upsert: false,
    });
    await ensureProduct(env, SKU, 'Deal poll mug', 12);
    port = await freePort();
    hs.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${CRM}`);
    hs.hubspot.retryDelayMs = 50;
    sidecar = startSidecar(env, `${configHead(env, { worker: FAST_WORKER, server: publicServer(port), inbound: FAST_INBOUND })}targets:
  ${CRM}:
    preset: hubspot
    base_url: '${hs.url}'
    auth: { type: bearer, token: { env: HUBSPOT_TOKEN } }
    webhook_secret: { env: HUBSPOT_APP_SECRET }
    poll: { schedule: '*/2 * * * * *', lookback_minutes: 30 }
`, { HUBSPOT_TOKEN: hs.tokens[0]!, HUBSPOT_APP_SECRET: hs.appSecret }, { mappingsDir: mappingsSubset({ hubspot: ['approved_quote.yaml'] }) });
    await waitListening(port);
  });

  after(async function () {
    await hs?.close();
    await archiveTargets(env, [['code', '=', CRM]]);
    await stopSidecarExpectingZero(sidecar, this, 12_000);
  });

  /** A deal won by a rep: company, contact (unique email of this run), one line item; returns the deal and the webhook attempts' statuses. */
  async function winDeal(name: string): Promise<{ deal: HsRecord; statuses: Array<number | null>; email: string; eventId: number }> {
    const email = `${name.toLowerCase()}.${RUN}@hpoll-e2e.example`;
    const company = hs.store.create('companies', { name: `${name} ${RUN}`, address: '1 Main St', city: 'Springfield', zip: '62701', state: 'IL', country: 'United States' });
    const contact = hs.store.create('contacts', { email, firstname: name, lastname: 'Buyer' });
    const won = await hs.sim.closeWonDeal({ deal: { dealname: `${name} ${RUN}` }, companyId: company.id, contactId: contact.id, lineItems: [{ name: 'Mug', hs_sku: SKU, quantity: 4, price: 12 }] });
    const eventId = Number((JSON.parse(won.deliveries[0]!.body) as Array<{ eventId: number }>)[0]!.eventId);
    return { deal: won.deal, statuses: won.deliveries.map((d) => d.status), email, eventId };
  }

  /** Sale orders made from the deal (its sync.link on this target, and orders of the deal's customer with its origin). */
  async function ordersOf(dealId: string, email: string): Promise<{ links: number[]; orders: number[] }> {
    const links = await searchRead<{ res_id: number }>(env.admin, 'sync.link', [['target_id.code', '=', CRM], ['model', '=', 'sale.order'], ['external_id', '=', dealId]], ['res_id']);
    const orders = await searchRead<{ id: number }>(env.admin, 'sale.order', [['origin', '=', `hubspot:${dealId}`], ['partner_id.email', '=ilike', email]], ['id']);
    return { links: links.map((l) => l.res_id), orders: orders.map((o) => o.id) };
  }

  const inbound = (domain: unknown[]) => searchRead<InboundRow>(env.admin, 'sync.inbound.message', [['target_id.code', '=', CRM], ...domain], ['message_id', 'state', 'result_summary', 'error'], { order: 'id' });
  const pollMessages = (dealId: string) => inbound([['message_id', '=like', `hubspot:deal:${dealId}:%`]]);

  /** Waits for `n` more poll runs of the target that found messages already in the inbox (the same approvals again). */
  async function repeatedPolls(n: number): Promise<void> {
    const from = sidecar!.output().length;
    const re = new RegExp(`poll ${CRM}: \\d+ found, 0 new, \\d+ already in the inbox`, 'g');
    await waitFor(`${n} more polls of ${CRM} finding only duplicates`, async () => (sidecar!.output().slice(from).match(re) ?? []).length >= n, 60_000);
  }

  it('a deal won while its webhook is refused (lost): the poll makes exactly one sale order; polling again adds nothing', async () => {
    const secret = hs.hubspot.appSecret;
    hs.hubspot.appSecret = 'not-the-secret-the-sidecar-knows';
    let won: Awaited<ReturnType<typeof winDeal>>;
    try {
      won = await winDeal('Lost');
    } finally {
      hs.hubspot.appSecret = secret;
    }
    expect(won.statuses, 'HubSpot tried and retried; every attempt refused').to.deep.equal([401, 401, 401, 401]);
    const orderId = await waitFor(`the sale order of deal ${won.deal.id} (from the poll)`, async () => (await ordersOf(won.deal.id, won.email)).links[0], 120_000);
    const first = await pollMessages(won.deal.id);
    expect(first.map((m) => [m.message_id, m.state])).to.deep.equal([[`hubspot:deal:${won.deal.id}:closedwon:${won.deal.properties.hs_v2_date_entered_closedwon}`, 'applied']]);
    expect(String(first[0]!.result_summary)).to.contain('created from the CRM quote');
    expect(await inbound([['message_id', '=', String(won.eventId)]]), 'the webhook never reached Odoo').to.deep.equal([]);
    const lines = await searchRead<{ product_id: [number, string]; product_uom_qty: number; price_unit: number }>(env.admin, 'sale.order.line', [['order_id', '=', orderId], ['display_type', '=', false]], ['product_id', 'product_uom_qty', 'price_unit']);
    expect(lines.map((l) => [l.product_uom_qty, l.price_unit])).to.deep.equal([[4, 12]]);

    await repeatedPolls(2);
    expect(await ordersOf(won.deal.id, won.email)).to.deep.equal({ links: [orderId], orders: [orderId] });
    expect((await pollMessages(won.deal.id)).map((m) => m.id), 'no new message in Odoo').to.deep.equal(first.map((m) => m.id));
  });

  it('a deal whose webhook was delivered and that the poll finds too: two messages in Odoo, the second "already up to date", one sale order', async () => {
    const won = await winDeal('Both');
    expect(won.statuses).to.deep.equal([200]);
    const both = await waitFor(`webhook and poll messages of deal ${won.deal.id} applied in Odoo`, async () => {
      const rows = [...await inbound([['message_id', '=', String(won.eventId)]]), ...await pollMessages(won.deal.id)];
      return rows.length === 2 && rows.every((r) => r.state !== 'received') ? rows : undefined;
    }, 120_000);
    expect(both.map((m) => m.state), JSON.stringify(both)).to.deep.equal(['applied', 'applied']);
    const [firstApplied, second] = [...both].sort((a, b) => a.id - b.id);
    expect(String(firstApplied!.result_summary)).to.contain('created from the CRM quote');
    expect(String(second!.result_summary)).to.contain('is already up to date');
    const { links, orders } = await ordersOf(won.deal.id, won.email);
    expect(links).to.have.length(1);
    expect(orders).to.deep.equal(links);
    await repeatedPolls(1);
    expect((await ordersOf(won.deal.id, won.email)).orders).to.deep.equal(links);
  });
});
