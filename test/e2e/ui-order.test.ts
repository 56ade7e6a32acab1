import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFake, type ShipBobFake } from '../fakes/start.js';
import { create, ensureTarget, ensureWarehouse, odooTestEnv, searchRead, serviceGateway, xmlId, storableVals } from './support/odoo-env.js';
import { freePort, mappingsSubset, root, sleep, startSidecar, waitFor, type RunningSidecar } from './support/sidecar.js';

/** The browser: CHROMIUM_PATH (set by test/harness/odoo-tier.sh when /usr/bin/chromium exists) or Debian's /usr/bin/chromium. */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.join(root, 'test-artifacts');

/**
 * Issue 8 UI proof: a sale order synced through the real sidecar and the ShipBob fake, opened in
 * Odoo's web client in headless Chromium (playwright-core drives the system browser): the Sync
 * badge, the Sync Issues smart button while the WMS holds the order, then the fulfilment
 * timeline (accepted, on hold, picked, packed, shipped, delivered with proof of delivery; the
 * steps before shipping polled from ShipBob shipment statuses). Screenshots go to test-artifacts/. Skipped, with the reason, when Chromium or playwright-core is missing.
 */
describe('e2e UI: synced sale order in the Odoo web client (headless Chromium)', function () {
  this.timeout(600_000);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let pw: any;
  let sb: ShipBobFake | undefined;
  let sidecar: RunningSidecar | undefined;
  const CODE = `wms_ui_${Date.now().toString(36)}`;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.log(`      SKIP: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
      this.skip();
    }
    try {
      const name = 'playwright-core';
      pw = await import(name);
    } catch {
      console.log('      SKIP: playwright-core is not installed (npm install --save-dev playwright-core)');
      this.skip();
    }
  });

  after(async function () {
    await sb?.close();
    if (sidecar) {
      const code = await sidecar.stop();
      if (this.currentTest?.state === 'failed' || code !== 0) console.log(sidecar.output().slice(-6000));
    }
    if (!pw) return;
    const env = odooTestEnv();
    const mine = await searchRead<{ id: number }>(env.admin, 'sync.target', [['code', '=', CODE]], ['id']);
    if (mine.length) await env.admin.call({ model: 'sync.target', method: 'write', args: [mine.map((t) => t.id), { active: false }] });
  });

  it('shows the Sync badge, the Sync Issues button and the fulfilment timeline of a synced order; screenshots saved', async () => {
    const env = odooTestEnv();
    await serviceGateway(env);
    sb = await startFake('shipbob');
    const wh = await ensureWarehouse(env, 'UIW');
    const stale = await searchRead<{ id: number }>(env.admin, 'sync.target', [['code', '=like', 'wms_ui_%']], ['id']);
    if (stale.length) await env.admin.call({ model: 'sync.target', method: 'write', args: [stale.map((t) => t.id), { active: false }] });
    await ensureTarget(env, CODE, { name: 'ShipBob UI (e2e)', kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [wh]]], trigger_order_release: true, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false });
    const port = await freePort();
    sb.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${CODE}`);
    sidecar = startSidecar(env, `
odoo: { url: '${env.url}', db: '${env.db}', username: x, api_key: { env: ODOO_API_KEY } }
worker: { batch_size: 20, poll_min_ms: 100, poll_max_ms: 500, lease_seconds: 60 }
state: { path: '$STATE' }
server: { port: ${port}, host: 127.0.0.1 }
inbound: { poll_ms: 200 }
mappings: { dir: '$MAPPINGS' }
targets:
  ${CODE}:
    preset: shipbob
    base_url: '${sb.baseUrl}/'
    auth: { type: bearer, token: { env: SHIPBOB_TOKEN } }
    webhook_secret: { env: SHIPBOB_WEBHOOK_SECRET }
    poll: { schedule: '*/1 * * * * *', lookback_minutes: 30 }
    options: { channel_id: ${sb.channels[0]!.id}, poll_milestones: true, poll_returns: false }
`, { SHIPBOB_TOKEN: sb.tokens[0]!, SHIPBOB_WEBHOOK_SECRET: sb.webhookSecret }, { mappingsDir: mappingsSubset({ shipbob: ['order_release.yaml', 'shipment_confirmed.yaml', 'milestone.yaml'] }) });
    await waitFor('sidecar listening', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok, 60_000);

    const sku = 'UI-MUG';
    const found = await searchRead<{ id: number }>(env.admin, 'product.product', [['default_code', '=', sku]], ['id']);
    const product = found[0]?.id ?? await create(env.admin, 'product.product', { name: 'UI mug', default_code: sku, ...storableVals(env), list_price: 12 });
    sb.store.setInventory({ sku, on_hand: 100 });
    const partner = await create(env.admin, 'res.partner', { name: 'UI Customer', email: 'ui@example.com', street: '1 Main St', city: 'Springfield', zip: '62701', country_id: await xmlId(env.admin, 'base.us') });
    const so = await create(env.admin, 'sale.order', { partner_id: partner, warehouse_id: wh, order_line: [[0, 0, { product_id: product, product_uom_qty: 2, price_unit: 12 }]] });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [so] });
    const [order] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', so]], ['name']);
    const sbOrder = await waitFor('order released to ShipBob', async () => sb!.store.orders.find((o) => o.reference_id === order!.name));
    await waitFor('order synced', async () => (await searchRead<{ sync_status: string }>(env.admin, 'sale.order', [['id', '=', so]], ['sync_status']))[0]?.sync_status === 'synced');
    // The warehouse holds the order: a fulfilment exception opens on it.
    await sb.sim.onHold(sbOrder.shipments[0]!.id, 'AddressValidation');
    await waitFor('fulfilment exception', async () => (await searchRead<{ sync_exception_count: number }>(env.admin, 'sale.order', [['id', '=', so]], ['sync_exception_count']))[0]!.sync_exception_count > 0);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-chromium-'));
    // A new, empty profile (playwright passes it as --user-data-dir).
    const browser = await pw.chromium.launchPersistentContext(userDir, {
      executablePath: CHROMIUM, headless: true, viewport: { width: 1920, height: 1080 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${env.url}/web/login?db=${encodeURIComponent(env.db)}`);
      await page.fill('input[name="login"]', process.env.ODOO_ADMIN_LOGIN ?? 'admin');
      await page.fill('input[name="password"]', process.env.ODOO_ADMIN_PASSWORD ?? 'admin');
      await Promise.all([page.waitForURL(/\/(odoo|web)/), page.click('button[type="submit"]')]);
      // A fresh database builds its web assets on the first web-client load: minutes on a busy
      // 2-core machine. Wait for the client itself before judging the order form.
      await page.waitForSelector('.o_main_navbar', { timeout: 300_000 });
      await page.goto(`${env.url}/odoo/action-sale.action_orders/${so}`);
      await page.waitForSelector('.o_form_view .o-form-buttonbox', { timeout: 120_000 });
      // Odoo folds smart buttons that do not fit into "More": open it when ours is in there.
      const syncButton = page.locator('.o_form_view button[name="action_view_sync_events"]');
      if (!(await syncButton.isVisible())) {
        const more = page.locator('.o-form-buttonbox button', { hasText: /More/ });
        if (await more.count()) await more.first().click();
      }
      await syncButton.waitFor({ state: 'visible', timeout: 60_000 });
      // Sync badge (smart button) and the Sync Issues button while the WMS holds the order.
      const syncBadge = page.locator('button[name="action_view_sync_events"] .o_field_widget[name="sync_status"]');
      await syncBadge.waitFor({ timeout: 30_000 });
      expect((await syncBadge.innerText()).trim()).to.match(/synced/i);
      const issues = page.locator('button[name="action_view_sync_exceptions"]');
      await issues.waitFor({ timeout: 30_000 });
      expect(await issues.innerText()).to.match(/1\s*Sync Issues/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'ui-order-on-hold.png'), fullPage: true });
      // The exception list behind the button names the hold.
      await issues.click();
      await page.waitForSelector('.o_form_view', { state: 'detached', timeout: 30_000 });
      await page.waitForSelector('.o_list_view .o_data_row', { timeout: 30_000 });
      expect(await page.locator('.o_list_view').innerText()).to.match(/fulfil|AddressValidation|on.hold/i);
      await page.screenshot({ path: path.join(ARTIFACTS, 'ui-order-exceptions.png'), fullPage: true });

      // The warehouse picks and packs (seen by polling shipment statuses), ships and delivers:
      // the timeline fills, the exception is resolved.
      sbOrder.shipments[0]!.status = 'Processing';
      const milestone = (m: string) => waitFor(`${m} milestone`, async () => (await searchRead(env.admin, 'sync.milestone', [['order_id', '=', so], ['milestone', '=', m]], ['id']))[0], 60_000);
      await milestone('accepted');
      sb.sim.progress(sbOrder.shipments[0]!.id, 'Picked');
      await milestone('picked');
      await sleep(1100);
      sb.sim.progress(sbOrder.shipments[0]!.id, 'Packed');
      await milestone('packed');
      await sleep(1100);
      const shipped = await sb.sim.ship(sbOrder.id, { carrier: 'USPS', tracking_number: '9400UI' });
      await sb.sim.deliver(shipped.shipment.id);
      await milestone('shipped');
      await waitFor('delivered', async () => (await searchRead<{ sync_fulfilment_status: string }>(env.admin, 'sale.order', [['id', '=', so]], ['sync_fulfilment_status']))[0]?.sync_fulfilment_status === 'delivered', 60_000);
      await page.goto(`${env.url}/odoo/action-sale.action_orders/${so}`);
      await page.waitForSelector('.o_form_view .o_field_widget[name="sync_fulfilment_status"]', { timeout: 60_000 });
      expect((await page.locator('.o_field_widget[name="sync_fulfilment_status"]').innerText()).trim()).to.match(/delivered/i);
      await page.locator('.o_notebook .nav-link', { hasText: 'Fulfilment' }).first().click();
      const timeline = page.locator('.o_field_widget[name="sync_milestone_ids"]');
      await timeline.waitFor({ timeout: 30_000 });
      const text = await timeline.innerText();
      for (const label of [/Accepted/i, /On Hold/i, /Picked/i, /Packed/i, /Shipped/i, /Delivered/i]) expect(text).to.match(label);
      const shot = path.join(ARTIFACTS, 'ui-order.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(fs.statSync(shot).size).to.be.greaterThan(10_000);
      console.log(`      screenshots: ${path.relative(root, ARTIFACTS)}/ui-order-on-hold.png, ui-order-exceptions.png, ui-order.png`);
    } finally {
      await browser.close();
      fs.rmSync(userDir, { recursive: true, force: true });
    }
  });
});
