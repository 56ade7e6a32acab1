import { expect } from 'chai';
import { setUpOdooPortal } from '../fakes/hubspot/portal.js';
import { setUpOdooOrg } from '../fakes/salesforce/org.js';
import { startFake, type HubSpotFake, type SalesforceFake } from '../fakes/start.js';
import { hubspotDate, invoiceOrder, postInvoices, readInvoice, registerPayment } from './support/invoicing.js';
import { create, ensureProduct, ensureTarget, ensureWarehouse, odooTestEnv, searchRead, serviceGateway } from './support/odoo-env.js';
import { configHead, FAST_WORKER } from './support/sidecar-config.js';
import { mappingsSubset, startSidecar, stopSidecarExpectingZero, waitFor, waitListening, freePort, type RunningSidecar } from './support/sidecar.js';
import { archiveTargets, codesLike } from './support/targets.js';

/**
 * Invoices to the CRM on real Odoo 18: an order is invoiced and paid with Odoo's own flows
 * (Create Invoice, Confirm, Register Payment: partly, then the rest); after each step the order's
 * status event carries its invoicing to the CRM record of the order - the HubSpot deal's
 * odoo_invoice_* properties, the Salesforce opportunity's Odoo_Invoice_* fields - through the
 * shipped order_status mappings and the real sidecar. Each suite has its own target (new code per
 * run, archived at the end) and warehouse, so it does not depend on running alone or first.
 */
const env = odooTestEnv();
const RUN = Date.now().toString(36);
const OFF = { trigger_order_release: false, trigger_order_cancel: false, trigger_order_amend: false, trigger_partner_upsert: false, trigger_product_upsert: false };
const today = () => new Date().toISOString().slice(0, 10);
const money = (n: number) => n.toFixed(2);

type StatusEvent = { state: string; last_error_message: string | false };
const statusEvents = (targetCode: string, orderId: number) =>
  searchRead<StatusEvent>(env.admin, 'sync.event', [['target_id.code', '=', targetCode], ['model', '=', 'sale.order'], ['res_id', '=', orderId], ['event_type', '=', 'status']], ['state', 'last_error_message']);

/** A confirmed order of a person (not a company) in the suite's warehouse: one line of the suite's product. */
async function draftOrder(warehouseId: number, tag: string): Promise<number> {
  const product = await ensureProduct(env, `INV-${RUN}`, `Invoiced mug ${RUN}`, 20);
  const partner = await create(env.admin, 'res.partner', { name: `Invoice Customer ${tag} ${RUN}`, email: `inv.${tag}.${RUN}@example.com` });
  return create(env.admin, 'sale.order', { partner_id: partner, warehouse_id: warehouseId, order_line: [[0, 0, { product_id: product, product_uom_qty: 3, price_unit: 20 }]] });
}

async function confirm(orderId: number): Promise<string> {
  await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [orderId] });
  const [so] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', orderId]], ['name']);
  return so!.name;
}

describe('e2e: invoices to the CRM (HubSpot deal, real Odoo 18)', function () {
  this.timeout(600_000);
  const CRM = `crm_inv_hs_${RUN}`;
  let hs: HubSpotFake;
  let sidecar: RunningSidecar | undefined;
  let orderId: number;
  let invoiceId: number;

  before(async function () {
    await serviceGateway(env);
    hs = await startFake('hubspot');
    setUpOdooPortal(hs);
    await archiveTargets(env, codesLike(['crm_inv_hs_%']));
    const warehouseId = await ensureWarehouse(env, 'INVH');
    await ensureTarget(env, CRM, { name: 'HubSpot invoicing (e2e)', kind: 'crm', ...OFF, trigger_order_status: true });
    const port = await freePort();
    sidecar = startSidecar(env, `${configHead(env, { worker: FAST_WORKER, server: { port, host: '127.0.0.1' } })}targets:
  ${CRM}:
    preset: hubspot
    base_url: '${hs.url}'
    auth: { type: bearer, token: { env: HUBSPOT_TOKEN } }
`, { HUBSPOT_TOKEN: 'hubspot-test-token' }, { mappingsDir: mappingsSubset({ hubspot: ['order_status.yaml'] }) });
    await waitListening(port);
    orderId = await draftOrder(warehouseId, 'hs');
  });

  after(async function () {
    await hs?.close();
    await archiveTargets(env, [['code', '=', CRM]]);
    await stopSidecarExpectingZero(sidecar, this, 8000);
  });

  const deal = () => hs.store.findBy('deals', 'odoo_order_id', String(orderId));
  const dealWith = (what: string, props: Record<string, string>) =>
    waitFor(what, async () => {
      const d = deal();
      return d && Object.entries(props).every(([k, v]) => d.properties[k] === v) ? d : undefined;
    }, 120_000);

  it('a confirmed order made in Odoo: its deal is created once, not invoiced', async () => {
    const name = await confirm(orderId);
    const d = await dealWith('deal of the confirmed order', { odoo_order_ref: name, odoo_invoice_status: 'not_invoiced' });
    expect(d.properties).to.include({ odoo_amount_invoiced: '0.00', odoo_amount_due: '0.00', odoo_invoice_refs: '', odoo_invoice_due_date: '', odoo_paid_date: '' });
  });

  it('Create Invoice + Confirm: the deal shows Invoiced, the amount invoiced and due, the invoice number and its due date', async () => {
    const created = await invoiceOrder(env, orderId);
    expect(created, 'one new invoice').to.have.length(1);
    invoiceId = created[0]!;
    await postInvoices(env, [invoiceId]);
    const inv = await readInvoice(env, invoiceId);
    expect(inv.state).to.equal('posted');
    expect(inv.amount_total).to.be.greaterThan(0);
    const d = await dealWith('deal invoiced', { odoo_invoice_status: 'invoiced' });
    expect(d.properties).to.include({
      odoo_amount_invoiced: money(inv.amount_total), odoo_amount_due: money(inv.amount_total), odoo_invoice_refs: inv.name,
      odoo_invoice_due_date: hubspotDate(inv.invoice_date_due as string), odoo_paid_date: '',
    });
  });

  it('Register Payment for part, then the rest: partially paid with what is still due, then paid (due date cleared, paid date set)', async () => {
    const inv = await readInvoice(env, invoiceId);
    await registerPayment(env, invoiceId, 25, today());
    expect((await readInvoice(env, invoiceId)).payment_state).to.equal('partial');
    const partly = await dealWith('deal partly paid', { odoo_invoice_status: 'partially_paid' });
    expect(partly.properties).to.include({ odoo_amount_invoiced: money(inv.amount_total), odoo_amount_due: money(inv.amount_total - 25), odoo_invoice_due_date: hubspotDate(inv.invoice_date_due as string) });
    await registerPayment(env, invoiceId, undefined, today());
    expect(['paid', 'in_payment']).to.include((await readInvoice(env, invoiceId)).payment_state);
    const paid = await dealWith('deal paid', { odoo_invoice_status: 'paid' });
    expect(paid.properties).to.include({ odoo_amount_invoiced: money(inv.amount_total), odoo_amount_due: '0.00', odoo_invoice_due_date: '', odoo_paid_date: hubspotDate(today()), odoo_invoice_refs: inv.name });
    // One deal all along, every status event delivered.
    expect(hs.ledger.createsFor(String(orderId), 'deals')).to.equal(1);
    expect(hs.store.all('deals').filter((x) => x.properties['odoo_order_id'] === String(orderId))).to.have.length(1);
    await waitFor('status events done', async () => (await statusEvents(CRM, orderId)).every((e) => e.state === 'done'), 60_000);
  });
});

describe('e2e: invoices to the CRM (Salesforce opportunity, real Odoo 18)', function () {
  this.timeout(600_000);
  const CRM = `crm_inv_sf_${RUN}`;
  let sf: SalesforceFake;
  let sidecar: RunningSidecar | undefined;
  let orderId: number;
  let oppId: string;

  before(async function () {
    await serviceGateway(env);
    sf = await startFake('salesforce');
    setUpOdooOrg(sf);
    await archiveTargets(env, codesLike(['crm_inv_sf_%']));
    const warehouseId = await ensureWarehouse(env, 'INVS');
    const targetId = await ensureTarget(env, CRM, { name: 'Salesforce invoicing (e2e)', kind: 'crm', ...OFF, trigger_order_status: true });
    const port = await freePort();
    sidecar = startSidecar(env, `${configHead(env, { worker: FAST_WORKER, server: { port, host: '127.0.0.1' } })}targets:
  ${CRM}:
    preset: salesforce
    base_url: '${sf.url}/services/data/v61.0/'
    auth: { type: oauth2_client_credentials, token_url: '${sf.url}/services/oauth2/token', client_id: '${sf.clientId}', client_secret: { env: SF_SECRET } }
`, { SF_SECRET: sf.clientSecret }, { mappingsDir: mappingsSubset({ salesforce: ['order_status.yaml'] }) });
    await waitListening(port);
    // The order of a won opportunity: the approved-quote flow links them (sync.link); here the
    // link is written directly, before the order is confirmed (its first status event).
    orderId = await draftOrder(warehouseId, 'sf');
    oppId = sf.sim.createOpportunity({ name: `Invoiced ${RUN}`, win: true }).opportunity.Id;
    await create(env.admin, 'sync.link', { target_id: targetId, model: 'sale.order', res_id: orderId, external_id: oppId });
  });

  after(async function () {
    await sf?.close();
    await archiveTargets(env, [['code', '=', CRM]]);
    await stopSidecarExpectingZero(sidecar, this, 8000);
  });

  const opportunityWith = (what: string, fields: Record<string, unknown>) =>
    waitFor(what, async () => {
      const o = sf.store.get('Opportunity', oppId);
      return o && Object.entries(fields).every(([k, v]) => o[k] === v) ? o : undefined;
    }, 120_000);

  it('confirmed, invoiced, partly paid, paid: the opportunity follows; the due date is cleared (null) once paid; nothing created', async () => {
    const name = await confirm(orderId);
    await opportunityWith('opportunity confirmed, not invoiced', { Odoo_Order_Ref__c: name, Odoo_Invoice_Status__c: 'Not Invoiced', Odoo_Amount_Invoiced__c: 0 });
    const [invoiceId] = await invoiceOrder(env, orderId);
    await postInvoices(env, [invoiceId!]);
    const inv = await readInvoice(env, invoiceId!);
    await opportunityWith('opportunity invoiced', {
      Odoo_Invoice_Status__c: 'Invoiced', Odoo_Amount_Invoiced__c: inv.amount_total, Odoo_Amount_Due__c: inv.amount_total,
      Odoo_Invoice_Refs__c: inv.name, Odoo_Invoice_Due_Date__c: inv.invoice_date_due,
    });
    await registerPayment(env, invoiceId!, 25, today());
    await opportunityWith('opportunity partly paid', { Odoo_Invoice_Status__c: 'Partially Paid', Odoo_Amount_Due__c: Math.round((inv.amount_total - 25) * 100) / 100 });
    await registerPayment(env, invoiceId!, undefined, today());
    const paid = await opportunityWith('opportunity paid', { Odoo_Invoice_Status__c: 'Paid', Odoo_Amount_Due__c: 0 });
    expect(paid).to.include({ Odoo_Invoice_Due_Date__c: null, Odoo_Paid_Date__c: today(), Odoo_Invoice_Refs__c: inv.name });
    expect(sf.store.all('Opportunity')).to.have.length(1);
    expect(sf.ledger.createsFor(oppId, 'Opportunity')).to.equal(0);
    await waitFor('status events done', async () => (await statusEvents(CRM, orderId)).every((e) => e.state === 'done'), 60_000);
  });
});
