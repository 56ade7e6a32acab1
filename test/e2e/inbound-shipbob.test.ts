import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { startFake, type ShipBobFake } from '../fakes/start.js';
import { create, ensureProduct, ensureTarget, ensureWarehouse, odooTestEnv, searchRead, serviceEnv, serviceGateway, xmlId } from './support/odoo-env.js';
import { shipbobWebhookTarget } from './support/shipbob-setup.js';
import { adminServer, configHead, FAST_INBOUND, FAST_WORKER } from './support/sidecar-config.js';
import { freePort, mappingsSubset, root, startSidecar, stopSidecarExpectingZero, waitFor, waitListening, type RunningSidecar } from './support/sidecar.js';
import { archiveTargets, codesLike } from './support/targets.js';

/**
 * Issue 6 proof: an order released by the sidecar to the ShipBob fake is shipped there; the
 * signed order.shipped webhook goes through the sidecar's inbox and sync_apply, and the Odoo
 * delivery is validated. Three deliveries of the same webhook apply once; a bad signature is
 * answered 401 and nothing is applied. An edit of the inbound mapping is compared with the
 * running version on the shipments the sidecar received (`mappings diff --recent`).
 */
describe('e2e: ShipBob shipment webhook -> sidecar inbox -> sync_apply -> Odoo delivery validated', function () {
  this.timeout(240_000);
  const env = odooTestEnv();
  // A target code per run: Odoo keeps message ids per target, and a new fake restarts its ids.
  const CODE = `wms_inb_${Date.now().toString(36)}`;
  const ADMIN = 'inbound-e2e-admin-token';
  let fake: ShipBobFake;
  let sidecar: RunningSidecar | undefined;
  let port: number;
  let productId: number;
  let warehouseId: number;
  let usId: number;
  // The sidecar's own copy of the ShipBob mappings: the diff test edits one in place.
  // The sidecar's own scheduled backups (state.backup), every 2 s here.
  const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-e2e-backups-'));
  const mappingsDir = mappingsSubset({ shipbob: fs.readdirSync(path.join(root, 'mappings/shipbob')).filter((n) => n.endsWith('.yaml')) });

  const admin = async (p: string, init: RequestInit = {}) => {
    const r = await fetch(`http://127.0.0.1:${port}${p}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, ...(init.headers ?? {}) } });
    return { status: r.status, body: await r.json() as Record<string, unknown> };
  };

  before(async () => {
    await serviceGateway(env);
    fake = await startFake('shipbob');
    warehouseId = await ensureWarehouse(env, 'INB');
    await archiveTargets(env, codesLike(['wms_inb_%']));
    await ensureTarget(env, CODE, {
      name: 'ShipBob inbound (e2e)', kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [warehouseId]]],
      trigger_order_release: true, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false,
    });
    usId = await xmlId(env.admin, 'base.us');
    productId = await ensureProduct(env, 'WID-INB', 'Widget inbound e2e', 12.5);
    fake.store.setInventory({ sku: 'WID-INB', on_hand: 1000 });
    port = await freePort();
    fake.setWebhookTarget(`http://127.0.0.1:${port}/webhooks/${CODE}`);
    sidecar = startSidecar(env, `${configHead(env, { worker: FAST_WORKER, server: adminServer(port), inbound: FAST_INBOUND, state: { backup: `{ dir: '${backupDir}', schedule: '*/2 * * * * *', keep: 2 }` } })}targets:
${shipbobWebhookTarget(CODE, fake)}`, { SHIPBOB_TOKEN: fake.tokens[0]!, SHIPBOB_WEBHOOK_SECRET: fake.webhookSecret, BRIDGE_ADMIN_TOKEN: ADMIN }, { mappingsDir });
    await waitListening(port);
  });

  after(async function () {
    await fake?.close();
    await archiveTargets(env, [['code', '=', CODE]]);
    await stopSidecarExpectingZero(sidecar, this, 6000);
  });

  async function releasedOrder(tag: string): Promise<{ id: number; name: string; shipbobId: number }> {
    const partner = await create(env.admin, 'res.partner', { name: `Inbound ${tag}`, email: `${tag}@example.com`, street: '1 Main St', city: 'Springfield', zip: '62701', country_id: usId });
    const id = await create(env.admin, 'sale.order', { partner_id: partner, warehouse_id: warehouseId, order_line: [[0, 0, { product_id: productId, product_uom_qty: 2, price_unit: 12.5 }]] });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [id] });
    const [so] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', id]], ['name']);
    const sb = await waitFor('order released to the ShipBob fake', async () => fake.store.orders.find((o) => o.reference_id === so!.name));
    return { id, name: so!.name, shipbobId: sb.id };
  }

  const pickingsOf = (orderId: number) => searchRead<{ state: string; name: string }>(env.admin, 'stock.picking', [['sale_id', '=', orderId], ['picking_type_code', '=', 'outgoing']], ['state', 'name']);
  const inboundMessages = (messageId: string) => searchRead<{ state: string; duplicate_count: number }>(env.admin, 'sync.inbound.message', [['message_id', '=', messageId], ['target_id.code', '=', CODE]], ['state', 'duplicate_count']);

  it('order.shipped webhook -> the Odoo delivery is validated', async () => {
    const order = await releasedOrder('inb-one');
    const shipped = await fake.sim.ship(order.shipbobId);
    expect(shipped.deliveries.map((d) => d.status)).to.deep.equal([200]);
    const pickings = await waitFor('delivery validated in Odoo', async () => {
      const p = await pickingsOf(order.id);
      return p.length > 0 && p.every((x) => x.state === 'done') ? p : undefined;
    });
    expect(pickings).to.have.length(1);
    const msgs = await inboundMessages(`shipbob:shipment:${shipped.shipment.id}`);
    expect(msgs.map((m) => m.state)).to.deep.equal(['applied']);
    const inbox = await admin(`/admin/inbox?source=${CODE}`);
    const row = (inbox.body.messages as Array<{ message_id: string; state: string; result: { records: Array<{ model: string }> } }>).find((m) => m.message_id === `shipbob:shipment:${shipped.shipment.id}`)!;
    expect(row.state).to.equal('applied');
  });

  it('the same webhook delivered three times -> applied once', async () => {
    const order = await releasedOrder('inb-three');
    const shipped = await fake.sim.ship(order.shipbobId, {}, { duplicates: 2 });
    expect(shipped.deliveries.map((d) => d.status)).to.deep.equal([200, 200, 200]);
    expect(new Set(shipped.deliveries.map((d) => d.id)).size).to.equal(1);
    await waitFor('delivery validated in Odoo', async () => (await pickingsOf(order.id)).every((x) => x.state === 'done'));
    const messageId = `shipbob:shipment:${shipped.shipment.id}`;
    const msgs = await inboundMessages(messageId);
    expect(msgs).to.have.length(1);
    expect(msgs[0]!.state).to.equal('applied');
    expect(msgs[0]!.duplicate_count, 'the sidecar dropped the copies before Odoo').to.equal(0);
    const inbox = await admin(`/admin/inbox?source=${CODE}&limit=1000`);
    expect((inbox.body.messages as Array<{ message_id: string }>).filter((m) => m.message_id === messageId)).to.have.length(1);
    const moves = await searchRead<{ quantity: number; state: string }>(env.admin, 'stock.move', [['sale_line_id.order_id', '=', order.id]], ['quantity', 'state']);
    expect(moves.filter((m) => m.state === 'done').reduce((a, m) => a + m.quantity, 0)).to.equal(2);
  });

  it('a bad signature -> 401, nothing stored, nothing applied', async () => {
    const order = await releasedOrder('inb-bad');
    const before = await admin(`/admin/inbox?source=${CODE}&limit=1000`);
    const realSecret = fake.webhookSecret;
    fake.shipbob.setSecret(`whsec_${Buffer.from('not-the-configured-secret-000000').toString('base64')}`);
    let shipped;
    try {
      shipped = await fake.sim.ship(order.shipbobId);
    } finally {
      fake.shipbob.setSecret(realSecret);
    }
    expect(shipped.deliveries.map((d) => d.status)).to.deep.equal([401]);
    const after = await admin(`/admin/inbox?source=${CODE}&limit=1000`);
    expect((after.body.messages as unknown[]).length).to.equal((before.body.messages as unknown[]).length);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await pickingsOf(order.id)).map((p) => p.state)).to.not.include('done');
    expect(await inboundMessages(`shipbob:shipment:${shipped.shipment.id}`)).to.have.length(0);
  });

  it('mappings diff <edited shipment mapping> --recent 5 maps the shipments the sidecar received with the running version and the edit', async () => {
    const order = await releasedOrder('inb-diff');
    const shipped = await fake.sim.ship(order.shipbobId);
    const messageId = `shipbob:shipment:${shipped.shipment.id}`;
    const row = await waitFor('shipment applied by the sidecar', async () => {
      const list = await admin(`/admin/inbox?source=${CODE}&limit=1000`);
      return (list.body.messages as Array<{ id: number; message_id: string; state: string }>).find((m) => m.message_id === messageId && m.state === 'applied');
    });
    const stored = await admin(`/admin/inbox/${row.id}`);
    expect((stored.body.input as { id: number }).id, 'the input the mapping saw is kept with the message').to.equal(shipped.shipment.id);
    const file = path.join(mappingsDir, 'shipbob', 'shipment_confirmed.yaml');
    const text = fs.readFileSync(file, 'utf8');
    const edited = text.replace('  carrier_service: { path: tracking.carrier_service, optional: true }\n', '  carrier_service: { const: Ground Saver }\n');
    expect(edited).to.not.equal(text);
    fs.writeFileSync(file, edited);
    try {
      // As an admin runs it on the sidecar's host: its config and state file, no vendor read.
      const cliEnv = { PATH: process.env.PATH ?? '', ODOO_URL: env.url, ODOO_DB: env.db, ...serviceEnv(env), SHIPBOB_TOKEN: 'x', SHIPBOB_WEBHOOK_SECRET: 'x', BRIDGE_ADMIN_TOKEN: ADMIN };
      const r = spawnSync(process.execPath, [path.join(root, 'dist/bridge/cli.js'), 'mappings', 'diff', file, '--recent', '5', '--config', path.join(sidecar!.dir, 'bridge.config.yaml')], { env: cliEnv, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr + r.stdout).to.equal(0);
      expect(r.stdout).to.match(/^old: .*shipbob\/shipment_confirmed\.yaml@[0-9a-f]{12} \(the version the sidecar loaded last\)/m);
      expect(r.stdout).to.contain(`inbox #${row.id} ${CODE} order.shipped ${messageId}: 1 change(s)\n  ~ carrier_service: "Ground" -> "Ground Saver"\n`);
      expect(r.stdout).to.match(/^\d message\(s\): \d changed, 0 unchanged, 0 now failing/m);
    } finally {
      fs.writeFileSync(file, text);
    }
  });

  it('state backup, run on the host while the sidecar runs, copies its state file with the messages it received', async () => {
    const list = await admin(`/admin/inbox?source=${CODE}&limit=1000`);
    const received = (list.body.messages as Array<{ message_id: string }>).map((m) => m.message_id).sort();
    expect(received.length, 'the earlier tests left messages in the inbox').to.be.greaterThan(0);
    const copy = path.join(sidecar!.dir, 'backup.sqlite');
    const cliEnv = { PATH: process.env.PATH ?? '', ODOO_URL: env.url, ODOO_DB: env.db, ...serviceEnv(env), SHIPBOB_TOKEN: 'x', SHIPBOB_WEBHOOK_SECRET: 'x', BRIDGE_ADMIN_TOKEN: ADMIN };
    const r = spawnSync(process.execPath, [path.join(root, 'dist/bridge/cli.js'), 'state', 'backup', '--out', copy, '--config', path.join(sidecar!.dir, 'bridge.config.yaml')], { env: cliEnv, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/integrity ok\n/);
    const db = new Database(copy, { readonly: true });
    try {
      const rows = db.prepare('SELECT message_id FROM inbox WHERE source = ? ORDER BY message_id').all(CODE) as Array<{ message_id: string }>;
      expect(rows.map((x) => x.message_id)).to.deep.equal(received);
    } finally { db.close(); }
    expect((await admin('/readyz')).status, 'the sidecar runs on').to.equal(200);
  });

  it('state.backup: the running sidecar takes its own copies on the schedule, keeps the newest 2, and shows them on /metrics', async () => {
    await waitFor('two scheduled copies', async () => fs.readdirSync(backupDir).filter((f) => /^state-\d{8}T\d{6}Z\.sqlite$/.test(f)).length === 2);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).to.match(/^sync_bridge_state_backup_runs_total\{outcome="done"\} [1-9]\d*$/m);
    expect(metrics).to.match(/^sync_bridge_state_backup_last_success_timestamp_seconds\{dir="[^"]+"\} \d{10}$/m);
    const newest = fs.readdirSync(backupDir).sort().at(-1)!;
    const db = new Database(path.join(backupDir, newest), { readonly: true });
    try {
      expect((db.prepare('SELECT count(*) AS n FROM inbox WHERE source = ?').get(CODE) as { n: number }).n).to.be.greaterThan(0);
    } finally { db.close(); }
    expect(sidecar!.output()).to.contain('"message":"state backup done"');
  });
});
