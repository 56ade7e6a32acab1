import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { startFake, type ShipBobFake } from '../fakes/start.js';
import { create, ensureProduct, ensureTarget, ensureWarehouse, odooTestEnv, searchRead, serviceEnv, serviceGateway, xmlId } from './support/odoo-env.js';
import { adminServer, configHead, FAST_WORKER } from './support/sidecar-config.js';
import { freePort, mappingsSubset, root, startSidecar, stopSidecarExpectingZero, waitFor, waitListening, type RunningSidecar } from './support/sidecar.js';
import { archiveTargets, codesLike } from './support/targets.js';

interface EventRow { id: number; state: string; mapping_version: string | false }
interface ReloadBody { reloaded?: boolean; changed?: Array<{ file: string; old_version: string | null; new_version: string | null }>; unchanged?: number; error?: { code: string; message: string; problems?: string[] } }

/**
 * Mapping reload without a restart, on the real sidecar and a real Odoo 18: an order goes out
 * with mapping v1; the file changes (order_number from a field v1 did not read, with a prefix)
 * and `POST /admin/mappings/reload` makes v2 live: the next order reaches the ShipBob fake with
 * v2's payload (so the claim asked Odoo for the new field) and its sync.event records v2's
 * hash. Then the file is changed to read a field this Odoo does not have: SIGHUP and the
 * endpoint refuse it (file:line:col), and v2 keeps delivering.
 */
describe('e2e: mapping reload (SIGHUP, POST /admin/mappings/reload) on real Odoo', function () {
  this.timeout(240_000);
  const env = odooTestEnv();
  // A target code per run: Odoo keeps links per target, and a new fake restarts its ids.
  const CODE = `wms_rld_${Date.now().toString(36)}`;
  const ADMIN = 'reload-e2e-admin-token';
  let fake: ShipBobFake;
  let sidecar: RunningSidecar | undefined;
  let port: number;
  let mappingsDir: string;
  let productId: number;
  let warehouseId: number;
  let usId: number;

  const reload = async (): Promise<{ status: number; body: ReloadBody }> => {
    const r = await fetch(`http://127.0.0.1:${port}/admin/mappings/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, signal: AbortSignal.timeout(60_000) });
    return { status: r.status, body: await r.json() as ReloadBody };
  };
  const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const readyz = async () => (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { mapping_set: { outbound: number; last_reload: { outcome: string; trigger: string } | null }; versions: { odoo: { series: number; protocol: string }; addon: { module_version: string } } };

  before(async () => {
    await serviceGateway(env);
    fake = await startFake('shipbob');
    warehouseId = await ensureWarehouse(env, 'RLD');
    await archiveTargets(env, codesLike(['wms_rld_%']));
    await ensureTarget(env, CODE, {
      name: 'ShipBob (mapping reload e2e)', kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [warehouseId]]],
      trigger_order_release: true, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false,
      trigger_partner_upsert: false, trigger_product_upsert: false, credit_gating: false,
    });
    usId = await xmlId(env.admin, 'base.us');
    productId = await ensureProduct(env, 'WID-RLD', 'Widget Reload', 12.5);
    mappingsDir = mappingsSubset({ shipbob: ['order_release.yaml'] });
    port = await freePort();
    sidecar = startSidecar(env, `${configHead(env, { worker: FAST_WORKER, server: adminServer(port) })}targets:
  ${CODE}:
    preset: shipbob
    base_url: '${fake.baseUrl}/'
    auth: { type: bearer, token: { env: SHIPBOB_TOKEN } }
    options: { channel_id: ${fake.channels[0]!.id} }
`, { SHIPBOB_TOKEN: fake.tokens[0]!, BRIDGE_ADMIN_TOKEN: ADMIN }, { mappingsDir });
    await waitListening(port);
  });

  after(async function () {
    await fake?.close();
    await archiveTargets(env, [['code', '=', CODE]]);
    await stopSidecarExpectingZero(sidecar, this, 8000);
  });

  async function confirmedOrder(tag: string, clientRef: string): Promise<{ id: number; name: string }> {
    const partnerId = await create(env.admin, 'res.partner', { name: `Reload ${tag}`, email: `${tag}@example.com`, street: '1 Main St', city: 'Springfield', zip: '62701', country_id: usId });
    const id = await create(env.admin, 'sale.order', {
      partner_id: partnerId, warehouse_id: warehouseId, client_order_ref: clientRef,
      order_line: [[0, 0, { product_id: productId, product_uom_qty: 2, price_unit: 12.5 }]],
    });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [id] });
    const [o] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', id]], ['name']);
    return { id, name: o!.name };
  }

  const delivered = (orderId: number) => waitFor(`release event of order ${orderId} done`, async () => {
    const evs = await searchRead<EventRow>(env.admin, 'sync.event', [['model', '=', 'sale.order'], ['res_id', '=', orderId], ['event_type', '=', 'release']], ['state', 'mapping_version']);
    if (evs[0]?.state === 'failed' || evs[0]?.state === 'dead') throw new Error(`event ${evs[0].id} ${evs[0].state}`);
    return evs[0]?.state === 'done' ? evs[0] : undefined;
  }, 90_000);
  const shipbobOrder = (name: string) => fake.store.orders.find((o) => o.reference_id === name);

  it('a valid change goes live at once (new payload, new fields claimed, new hash on the event); an invalid one is refused and the old one keeps delivering', async () => {
    const file = path.join(mappingsDir, 'shipbob', 'order_release.yaml');
    const v1Text = fs.readFileSync(file, 'utf8');

    // v1: order_number is the order's name
    const first = await confirmedOrder(`rld1-${CODE}`, `PO-${CODE}-1`);
    const ev1 = await delivered(first.id);
    const v1 = ev1.mapping_version;
    expect(v1).to.match(/^[0-9a-f]{64}$/);
    expect(shipbobOrder(first.name)!.order_number).to.equal(first.name);
    const ready = await readyz();
    expect(ready.mapping_set.last_reload).to.equal(null);
    expect(ready.versions.odoo, 'readyz: the Odoo this sidecar talks to').to.include({ series: env.series, protocol: env.protocol });
    expect(ready.versions.addon.module_version).to.match(new RegExp(`^${env.series}\\.0\\.1\\.\\d+\\.\\d+$`));

    // v2: order_number from client_order_ref (a field v1 does not read), prefixed
    const v2Text = v1Text.replace(/^ {2}order_number: name$/m, '  order_number: { concat: [{ const: "V2-" }, { first: [client_order_ref, name] }] }');
    expect(v2Text).not.to.equal(v1Text);
    fs.writeFileSync(file, v2Text);

    // Before it goes live: `mappings diff --recent` maps the orders this sidecar delivered (its
    // state file: v1's source and the delivery log) again, read from Odoo with each version's
    // own fields, and shows what the edit changes; `preview --record` maps one as the target would.
    const cliEnv = { PATH: process.env.PATH ?? '', ODOO_URL: env.url, ODOO_DB: env.db, ...serviceEnv(env), SHIPBOB_TOKEN: 'x', BRIDGE_ADMIN_TOKEN: ADMIN };
    const cliRun = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'dist/bridge/cli.js'), 'mappings', ...args, '--config', path.join(sidecar!.dir, 'bridge.config.yaml')], { env: cliEnv, encoding: 'utf8', timeout: 60_000 });
    const diff = cliRun('diff', file, '--recent', '5');
    expect(diff.status, diff.stderr + diff.stdout).to.equal(0);
    expect(diff.stdout).to.contain(`old: ${file}@${String(v1).slice(0, 12)} (the version the sidecar loaded last)`);
    expect(diff.stdout).to.contain(`target: ${CODE}`);
    expect(diff.stdout).to.contain(`sale.order:${first.id}: 1 change(s)\n  ~ order_number: "${first.name}" -> "V2-PO-${CODE}-1"\n`);
    expect(diff.stdout).to.match(/^1 record\(s\): 1 changed, 0 unchanged, 0 now failing/m);
    const preview = cliRun('preview', file, '--record', `sale.order:${first.id}`);
    expect(preview.status, preview.stderr).to.equal(0);
    const payload = JSON.parse(preview.stdout) as { order_number: string; products: unknown[] };
    expect(payload.order_number).to.equal(`V2-PO-${CODE}-1`);
    const sent = shipbobOrder(first.name)!;
    expect(payload.products, 'the lines as the sidecar sent them').to.have.length(sent.products.length);
    // An edit that breaks on this order: exit 1, the record named with the mapping's file:line:col.
    const broken = path.join(path.dirname(mappingsDir), `${path.basename(mappingsDir)}-broken.yaml`);
    fs.writeFileSync(broken, v1Text.replace(/^ {2}order_number: name$/m, '  order_number: commitment_date'));
    const bad1 = cliRun('diff', broken, '--against', String(v1).slice(0, 16), '--record', `sale.order:${first.id}`);
    expect(bad1.status, bad1.stderr + bad1.stdout).to.equal(1);
    expect(bad1.stdout).to.match(new RegExp(`sale\\.order:${first.id}: NOW FAILING[\\s\\S]*-broken\\.yaml:\\d+:\\d+ fields\\.order_number: commitment_date: missing`));

    const ok = await reload();
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    expect(ok.body.reloaded).to.equal(true);
    expect(ok.body.changed).to.have.length(1);
    expect(ok.body.changed![0]).to.deep.include({ file, old_version: v1 });
    const v2 = ok.body.changed![0]!.new_version!;
    expect(v2).to.match(/^[0-9a-f]{64}$/).and.not.equal(v1);
    expect(sidecar!.output()).to.contain('"message":"mappings reloaded"');

    const second = await confirmedOrder(`rld2-${CODE}`, `PO-${CODE}-2`);
    const ev2 = await delivered(second.id);
    expect(shipbobOrder(second.name)!.order_number, 'v2 payload, with the field the new mapping reads').to.equal(`V2-PO-${CODE}-2`);
    expect(ev2.mapping_version, 'the event records the new hash').to.equal(v2);

    // v3 reads a field this Odoo does not have: SIGHUP and the endpoint refuse it
    fs.writeFileSync(file, v2Text.replace('partner_shipping_id.city', 'partner_shipping_id.city_of_nowhere'));
    sidecar!.proc.kill('SIGHUP');
    await waitFor('SIGHUP reload refused', async () => (await readyz()).mapping_set.last_reload?.outcome === 'invalid', 60_000);
    expect((await readyz()).mapping_set.last_reload).to.deep.include({ trigger: 'sighup' });
    expect(sidecar!.output()).to.match(/order_release\.yaml:\d+:\d+ fields\.\S+: partner_shipping_id\.city_of_nowhere: no field 'city_of_nowhere' on res\.partner/);
    const bad = await reload();
    expect(bad.status, JSON.stringify(bad.body)).to.equal(422);
    expect(bad.body.error!.code).to.equal('mappings_invalid');
    expect(bad.body.error!.problems).to.have.length(1);
    expect(bad.body.error!.problems![0]).to.match(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ .*city_of_nowhere`));
    // the CLI calls the same endpoint with the config's admin token: exit 1, the problem on stderr
    const cli = spawnSync(process.execPath, [path.join(root, 'dist/bridge/cli.js'), 'mappings', 'reload', '--config', path.join(sidecar!.dir, 'bridge.config.yaml')], {
      env: { PATH: process.env.PATH ?? '', BRIDGE_ADMIN_TOKEN: ADMIN, SHIPBOB_TOKEN: 'x', ODOO_API_KEY: 'x' }, encoding: 'utf8', timeout: 60_000,
    });
    expect(cli.status, cli.stderr + cli.stdout).to.equal(1);
    expect(cli.stderr).to.match(/order_release\.yaml:\d+:\d+ .*city_of_nowhere[\s\S]*mappings reload refused/);

    const third = await confirmedOrder(`rld3-${CODE}`, `PO-${CODE}-3`);
    const ev3 = await delivered(third.id);
    expect(shipbobOrder(third.name)!.order_number, 'the old (v2) mapping keeps delivering').to.equal(`V2-PO-${CODE}-3`);
    expect(ev3.mapping_version).to.equal(v2);
    expect(sidecar!.proc.exitCode, 'SIGHUP does not end the sidecar').to.equal(null);

    const text = await metrics();
    expect(text).to.match(/sync_bridge_mapping_reloads_total\{outcome="ok"\} 1\b/);
    expect(text).to.match(/sync_bridge_mapping_reloads_total\{outcome="invalid"\} 3\b/);
    expect(text).to.contain(`sync_bridge_mapping_info{file="${file}",version="${v2}"} 1`);
    expect(text).not.to.contain(`version="${String(v1)}"`);
    expect(text).to.match(/sync_bridge_mapping_last_reload_success 0\b/);
  });
});
