import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { setUpOdooPortal } from '../fakes/hubspot/portal.js';
import { startFake, type HubSpotFake } from '../fakes/start.js';
import { create, ensureProduct, ensureTarget, odooTestEnv, searchRead, serviceGateway, SERVICE_LOGIN, SERVICE_PASSWORD } from './support/odoo-env.js';
import { runReconcile } from './support/reconcile.js';
import { configHead, FAST_WORKER } from './support/sidecar-config.js';
import { freePort, mappingsSubset, root, startSidecar, stopSidecarExpectingZero, waitFor, waitListening, type RunningSidecar } from './support/sidecar.js';
import { archiveTargets, codesLike } from './support/targets.js';

/**
 * The API quota reserve on real Odoo 18: HubSpot reports its daily limit on every answer; once
 * less than targets.<code>.quota_reserve_percent (10 %) is left, a reconciliation run of that
 * target stops before calling it and Odoo records the run as failed, naming the target and the
 * quota; the live flow (an order confirmed in Odoo, its status to the CRM deal) is still
 * delivered. The sidecar logs the crossing once, shows the quota on /metrics, and
 * `sync-bridge status` shows it from the state file.
 */
describe('e2e: API quota reserve (HubSpot daily limit)', function () {
  this.timeout(300_000);
  const env = odooTestEnv();
  const RUN = Date.now().toString(36);
  const CRM = `crm_qt_${RUN}`;
  const DAILY = 10_000;
  let hs: HubSpotFake;
  let sidecar: RunningSidecar | undefined;
  let port: number;
  let targetId: number;
  let companyId: number;

  const events = (model: string, resId: number, type: string) => searchRead<{ state: string; last_error_message: string | false }>(env.admin, 'sync.event',
    [['target_id', '=', targetId], ['model', '=', model], ['res_id', '=', resId], ['event_type', '=', type]], ['state', 'last_error_message']);
  const allDone = async (model: string, resId: number, type: string) => {
    const ev = await events(model, resId, type);
    return ev.length > 0 && ev.every((e) => e.state === 'done');
  };
  /** The reconciliation's reads of HubSpot (object lists), as opposed to the live flow's writes and reads by id. */
  const listReads = () => hs.ledger.requests.filter((r) => r.method === 'GET' && /^\/crm\/v3\/objects\/(companies|contacts)$/.test(r.path)).length;
  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'dist/bridge/cli.js'), ...args, '--config', path.join(sidecar!.dir, 'bridge.config.yaml')], {
    env: { PATH: process.env.PATH ?? '', ODOO_URL: env.url, ODOO_DB: env.db, ODOO_USERNAME: SERVICE_LOGIN, ODOO_API_KEY: SERVICE_PASSWORD, HUBSPOT_TOKEN: hs.tokens[0]!, LOG_LEVEL: 'error' },
    encoding: 'utf8', timeout: 120_000,
  });

  before(async () => {
    await serviceGateway(env);
    hs = await startFake('hubspot', { rateLimit: { daily: DAILY } });
    setUpOdooPortal(hs);
    await archiveTargets(env, codesLike(['crm_qt_%']));
    targetId = await ensureTarget(env, CRM, {
      name: 'HubSpot (quota e2e)', kind: 'crm', trigger_partner_upsert: true, trigger_product_upsert: false,
      trigger_order_release: false, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: true,
    });
    port = await freePort();
    const mappings = mappingsSubset({ hubspot: ['customer_upsert.yaml', 'order_status.yaml'] });
    sidecar = startSidecar(env, `${configHead(env, { worker: FAST_WORKER, server: { port, host: '127.0.0.1' } })}reconcile:
  targets:
    ${CRM}:
      master_data: { models: [res.partner] }
targets:
  ${CRM}:
    preset: hubspot
    base_url: '${hs.baseUrl}'
    auth: { type: bearer, token: { env: HUBSPOT_TOKEN } }
    quota_reserve_percent: 10
    schema_check_at_start: false   # its property reads would move the daily figures this test sets
`, { HUBSPOT_TOKEN: hs.tokens[0]! }, { mappingsDir: mappings });
    await waitListening(port);
  });

  after(async function () {
    await stopSidecarExpectingZero(sidecar, this, 8000);
    await hs?.close();
    // Archived: the target would pick up every partner and order other suites create.
    await archiveTargets(env, [['code', '=', CRM]]);
  });

  it('below the reserve: the reconciliation run stops before calling HubSpot and Odoo records why; the order status still reaches the deal', async () => {
    // A customer while the quota is plentiful.
    companyId = await create(env.admin, 'res.partner', { name: `Quota Ltd ${RUN}`, is_company: true, user_id: false, email: `buyer.${RUN}@quota.example` });
    await waitFor('customer in HubSpot', async () => allDone('res.partner', companyId, 'upsert'), 120_000);
    expect(hs.store.findBy('companies', 'odoo_partner_id', String(companyId)), 'HubSpot company').to.not.equal(undefined);

    // Most of the day's allocation used elsewhere (another integration, a big import): 7 % left.
    hs.limiters.daily.used = DAILY - 700;
    // The next live answer tells the sidecar: a second customer's upsert.
    const second = await create(env.admin, 'res.partner', { name: `Quota Two ${RUN}`, is_company: true, user_id: false });
    await waitFor('second customer in HubSpot', async () => allDone('res.partner', second, 'upsert'), 120_000);
    await waitFor('the crossing logged', async () => sidecar!.output().includes(`${CRM}: daily API quota below the 10% reserve`), 30_000);

    // Reconciliation: refused before it reads anything from HubSpot; Odoo has the run as failed, with why.
    const readsBefore = listReads();
    const r = await runReconcile(env, sidecar!.dir, ['master-data', '--target', CRM], { HUBSPOT_TOKEN: hs.tokens[0]! });
    expect(r.code, r.err + r.out).to.equal(4);
    const reason = new RegExp(`stopped: ${CRM} API quota below the 10% reserve \\(used (\\d+) of ${DAILY} today, (\\d+) left\\)`);
    expect(r.err).to.match(reason);
    expect(listReads(), 'the run did not call HubSpot').to.equal(readsBefore);
    const [run] = await searchRead<{ state: string; error: string | false; job: string }>(env.admin, 'sync.reconciliation', [['target_id', '=', targetId]], ['state', 'error', 'job'], { order: 'id desc', limit: 1 });
    expect(run).to.deep.include({ state: 'failed', job: 'master_data' });
    const m = reason.exec(String(run!.error));
    expect(m, `Odoo's run error: ${String(run!.error)}`).to.not.equal(null);
    expect(Number(m![1]) + Number(m![2])).to.equal(DAILY);
    expect(Number(m![2])).to.be.below(DAILY / 10);

    // Live flow: an order confirmed in Odoo, its status delivered to the deal on the same target.
    const mug = await ensureProduct(env, `QT-MUG-${RUN}`, 'Quota mug', 12);
    const order = await create(env.admin, 'sale.order', { partner_id: companyId, order_line: [[0, 0, { product_id: mug, product_uom_qty: 2, price_unit: 12 }]] });
    await env.admin.call({ model: 'sale.order', method: 'action_confirm', ids: [order] });
    await waitFor('order status delivered', async () => allDone('sale.order', order, 'status'), 120_000);
    const deal = hs.store.findBy('deals', 'odoo_order_id', String(order));
    expect(deal, 'the deal in HubSpot').to.not.equal(undefined);
    expect(deal!.properties).to.include({ dealstage: 'odoo_confirmed' });
    expect(listReads(), 'still no reconciliation read').to.equal(readsBefore);

    // The quota as the last answer reported it: /metrics, one warning for the crossing, `status`.
    const left = hs.limiters.daily.max - hs.limiters.daily.used;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).to.include(`sync_bridge_api_quota_remaining{target="${CRM}",window="daily"} ${left}`);
    expect(metrics).to.include(`sync_bridge_api_quota_limit{target="${CRM}",window="daily"} ${DAILY}`);
    expect(metrics).to.match(new RegExp(`sync_bridge_api_quota_remaining\\{target="${CRM}",window="burst"\\} \\d+`));
    const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { quota: Record<string, { level: string; batchHeldBack: boolean; windows: Array<{ window: string; remaining: number }> }> };
    expect(ready.quota[CRM]).to.deep.include({ level: 'reserve', batchHeldBack: true, reservePercent: 10 });
    expect(ready.quota[CRM]!.windows.find((w) => w.window === 'daily')).to.include({ remaining: left, limit: DAILY });
    const crossings = sidecar!.output().split('\n').filter((l) => l.includes(`${CRM}: daily API quota`));
    expect(crossings, 'one line for the crossing, not one per request').to.have.length(1);
    expect(JSON.parse(crossings[0]!)).to.include({ level: 'warn', target: CRM, quotaLevel: 'reserve', limit: DAILY });
    const status = cli(['status']);
    expect(status.stdout).to.match(new RegExp(`^${CRM}\\s+daily\\s+\\d+\\s+${DAILY}\\s+[\\d.]+%\\s+\\d+s ago\\s+below the 10% reserve: reconciliation held back$`, 'm'));
  });
});
