import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startFake, type ShipBobFake } from '../fakes/start.js';
import { adminCliEnv, create, ensureProduct, ensureTarget, ensureWarehouse, odooTestEnv, searchRead, serviceGateway, xmlId } from './support/odoo-env.js';
import { shipbobSidecarConfig } from './support/shipbob-setup.js';
import { mappingsSubset, startSidecar, waitFor, type RunningSidecar } from './support/sidecar.js';

const cliPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bridge/cli.js');

interface EventRow { id: number; state: string; mapping_version: string | false; replay_mapping_version: string | false }

/**
 * Replays with the mapping version an event was sent with, or the current one: orders go out
 * with mapping v1; the mapping file changes (order_number gets a prefix) and the sidecar
 * restarts with v2; a failed event replayed with `--mapping-version sent` reaches ShipBob with
 * v1's payload, one replayed with `current` with v2's. The local delivery log shows each attempt.
 */
describe('e2e: events replay --mapping-version sent|current on real Odoo', function () {
  this.timeout(240_000);
  const env = odooTestEnv();
  const TARGET = 'wms_replay';
  let fake: ShipBobFake;
  let sidecar: RunningSidecar | undefined;
  let mappingsDir: string;
  let productId: number;
  let warehouseId: number;
  let usId: number;
  const runCli = (args: string[], extra: Record<string, string> = {}) => spawnSync(process.execPath, [cliPath, ...args], {
    env: { PATH: process.env.PATH ?? '', ODOO_URL: env.url, ODOO_DB: env.db, ...adminCliEnv(env), LOG_LEVEL: 'error', ...extra },
    encoding: 'utf8', timeout: 60_000,
  });

  before(async () => {
    await serviceGateway(env);
    fake = await startFake('shipbob');
    warehouseId = await ensureWarehouse(env, 'RPLY');
    await ensureTarget(env, TARGET, {
      name: 'ShipBob (replay e2e)', kind: 'wms', release_on: 'order_confirm', warehouse_ids: [[6, 0, [warehouseId]]],
      trigger_order_release: true, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false,
      trigger_partner_upsert: false, trigger_product_upsert: false, credit_gating: false,
    });
    usId = await xmlId(env.admin, 'base.us');
    productId = await ensureProduct(env, 'WID-RPLY', 'Widget Replay', 12.5);
    mappingsDir = mappingsSubset({ shipbob: ['order_release.yaml'] });
    sidecar = startSidecar(env, shipbobSidecarConfig(env, fake, TARGET, {
      worker: 'batch_size: 20, poll_min_ms: 100, poll_max_ms: 500, lease_seconds: 60, backoff_base_ms: 500, backoff_max_ms: 2000',
      state: 'log_payloads: true',
    }), { SHIPBOB_TOKEN: fake.tokens[0]! }, { mappingsDir });
  });

  after(async function () {
    await fake?.close();
    if (!sidecar) return;
    const code = await sidecar.stop();
    if (this.currentTest?.state === 'failed' || process.env.E2E_VERBOSE) console.log(sidecar.output().slice(-6000));
    expect(code, 'sidecar exits 0 on SIGTERM').to.equal(0);
  });

  async function confirmedOrder(email: string): Promise<{ id: number; name: string; partnerId: number }> {
    const partnerId = await create(env.admin, 'res.partner', { name: `Replay ${email}`, email, street: '1 Main St', city: 'Springfield', zip: '62701', country_id: usId });
    const orderId = await create(env.admin, 'sale.order', {
      partner_id: partnerId, warehouse_id: warehouseId, order_line: [[0, 0, { product_id: productId, product_uom_qty: 2, price_unit: 12.5 }]],
    });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [orderId] });
    const [o] = await searchRead<{ name: string }>(env.admin, 'sale.order', [['id', '=', orderId]], ['name']);
    return { id: orderId, name: o!.name, partnerId };
  }

  const releaseEvent = async (orderId: number, state: string) => waitFor(`release event ${state}`, async () => {
    const evs = await searchRead<EventRow>(env.admin, 'sync.event', [['model', '=', 'sale.order'], ['res_id', '=', orderId], ['event_type', '=', 'release']], ['state', 'mapping_version', 'replay_mapping_version']);
    return evs[0]?.state === state ? evs[0] : undefined;
  });
  const shipbobOrder = (name: string) => fake.store.orders.find((o) => o.reference_id === name);

  it('replays a failed event with the mapping it was sent with (v1) or the current one (v2)', async () => {
    // v1: a good order is delivered, two orders the target rejects (bad email) fail
    const good = await confirmedOrder('good.replay@example.com');
    const pinned = await confirmedOrder('not-an-email-1');
    const current = await confirmedOrder('not-an-email-2');
    const delivered = await releaseEvent(good.id, 'done');
    expect(shipbobOrder(good.name)!.order_number).to.equal(good.name);
    const v1 = delivered.mapping_version;
    expect(v1).to.match(/^[0-9a-f]{64}$/);
    for (const o of [pinned, current]) expect((await releaseEvent(o.id, 'failed')).mapping_version, 'failed with v1').to.equal(v1);

    // the mapping changes; the sidecar restarts with v2 (same state file)
    expect(await sidecar!.stop()).to.equal(0);
    const file = path.join(mappingsDir, 'shipbob', 'order_release.yaml');
    const text = fs.readFileSync(file, 'utf8');
    const v2Text = text.replace(/^ {2}order_number: name$/m, '  order_number: { concat: [{ const: "V2-" }, name] }');
    expect(v2Text).not.to.equal(text);
    fs.writeFileSync(file, v2Text);
    sidecar = sidecar!.restart();

    // the records are fixed, then replayed: one pinned to the version sent, one with the current mapping
    for (const o of [pinned, current]) {
      await env.admin.call({ model: 'res.partner', method: 'write', args: [[o.partnerId], { email: `fixed.${o.id}@example.com` }] });
    }
    const pinnedEvent = (await searchRead<{ id: number }>(env.admin, 'sync.event', [['model', '=', 'sale.order'], ['res_id', '=', pinned.id], ['state', '=', 'failed']], ['id']))[0]!;
    const currentEvent = (await searchRead<{ id: number }>(env.admin, 'sync.event', [['model', '=', 'sale.order'], ['res_id', '=', current.id], ['state', '=', 'failed']], ['id']))[0]!;
    const bad = runCli(['events', 'replay', '--id', String(pinnedEvent.id), '--mapping-version', 'oldest']);
    expect(bad.status).to.equal(2);
    const r1 = runCli(['events', 'replay', '--id', String(pinnedEvent.id), '--mapping-version', 'sent']);
    expect(r1.status, r1.stderr).to.equal(0);
    expect(r1.stdout).to.match(/replayed 1\/1 \(mapping version: sent\)/);
    const r2 = runCli(['events', 'replay', '--id', String(currentEvent.id), '--mapping-version', 'current']);
    expect(r2.status, r2.stderr).to.equal(0);

    const donePinned = await releaseEvent(pinned.id, 'done');
    const doneCurrent = await releaseEvent(current.id, 'done');
    expect(shipbobOrder(pinned.name)!.order_number, 'sent: v1 payload').to.equal(pinned.name);
    expect(shipbobOrder(current.name)!.order_number, 'current: v2 payload').to.equal(`V2-${current.name}`);
    expect(donePinned.mapping_version).to.equal(v1);
    expect(donePinned.replay_mapping_version, 'pin cleared when done').to.equal(false);
    expect(doneCurrent.mapping_version).to.match(/^[0-9a-f]{64}$/).and.not.equal(v1);
    expect(fake.ledger.createsFor(pinned.name)).to.equal(1);
    expect(fake.ledger.createsFor(current.name)).to.equal(1);

    // the local delivery log of this sidecar: newest first, payloads kept (log_payloads: true)
    const config = path.join(sidecar!.dir, 'bridge.config.yaml');
    const local = runCli(['events', 'list', '--local', '--target', TARGET, '--limit', '20', '--config', config], { SHIPBOB_TOKEN: 'x' });
    expect(local.status, local.stderr).to.equal(0);
    const lines = local.stdout.split('\n');
    const sentPinned = lines.find((l) => l.includes(`\t${pinnedEvent.id}\tsent\t${TARGET}\t`));
    expect(sentPinned, local.stdout).to.contain(`mapping=${String(v1).slice(0, 12)}`);
    expect(lines.find((l) => l.includes(`\t${pinnedEvent.id}\tfailed\t${TARGET}\t`)), local.stdout).to.match(/email/i);
    expect(lines.indexOf(sentPinned!)).to.be.lessThan(lines.findIndex((l) => l.includes(`\t${pinnedEvent.id}\tfailed\t`)));
    expect(local.stdout).to.contain(`"order_number":"V2-${current.name}"`);
    const failedOnly = runCli(['events', 'list', '--local', '--outcome', 'failed', '--config', config], { SHIPBOB_TOKEN: 'x' });
    expect(failedOnly.stdout.split('\n').filter((l) => /^\d{4}-/.test(l)).every((l) => l.split('\t')[2] === 'failed')).to.equal(true);
  });
});
