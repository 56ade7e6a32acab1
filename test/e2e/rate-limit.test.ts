import { expect } from 'chai';
import { setUpOdooPortal } from '../fakes/hubspot/portal.js';
import { startFake, type HubSpotFake } from '../fakes/start.js';
import { create, ensureTarget, odooTestEnv, searchRead, serviceGateway } from './support/odoo-env.js';
import { freePort, mappingsSubset, startSidecar, stopSidecarExpectingZero, waitFor, waitListening, type RunningSidecar } from './support/sidecar.js';

interface Ev { id: number; state: string; attempts: number; last_error_details: string | false }

/**
 * Rate limits on real Odoo 18: an event the CRM keeps answering 429 is retried after each pause
 * and never goes dead: each rate-limited claim is given back (`uncount_attempt` on sync_nack), so
 * *Attempts* counts real failures only; a 5xx (a counted failure) still makes an event dead at
 * `max_attempts`.
 */
describe('e2e: rate-limited events are retried, not made dead', function () {
  this.timeout(300_000);
  const env = odooTestEnv();
  const RUN = Date.now().toString(36);
  const CRM = `crm_rl_${RUN}`;
  const MAX_ATTEMPTS = 2;
  const LIMITED_TRIES = 5;
  let hs: HubSpotFake;
  let sidecar: RunningSidecar | undefined;

  const eventsOf = (partner: number) => searchRead<Ev>(env.admin, 'sync.event',
    [['target_id.code', '=', CRM], ['model', '=', 'res.partner'], ['res_id', '=', partner]], ['state', 'attempts', 'last_error_details']);

  before(async () => {
    await serviceGateway(env);
    // The burst window is 1 s: a 429 pauses the target for X-HubSpot-RateLimit-Interval-Milliseconds.
    hs = await startFake('hubspot', { rateLimit: { windowMs: 1_000 } });
    setUpOdooPortal(hs);
    const stale = await searchRead<{ id: number }>(env.admin, 'sync.target', [['code', '=like', 'crm_rl_%']], ['id']);
    if (stale.length) await env.admin.call({ model: 'sync.target', method: 'write', args: [stale.map((t) => t.id), { active: false }] });
    await ensureTarget(env, CRM, {
      name: 'HubSpot (rate-limit e2e)', kind: 'crm', trigger_partner_upsert: true, trigger_product_upsert: false,
      trigger_order_release: false, trigger_order_cancel: false, trigger_order_amend: false, trigger_order_status: false,
    });
    const port = await freePort();
    sidecar = startSidecar(env, `
odoo: { url: '${env.url}', db: '${env.db}', username: x, api_key: { env: ODOO_API_KEY } }
worker: { batch_size: 10, poll_min_ms: 100, poll_max_ms: 300, lease_seconds: 30, backoff_base_ms: 200, backoff_max_ms: 500, max_attempts: ${MAX_ATTEMPTS} }
state: { path: '$STATE' }
server: { port: ${port}, host: 127.0.0.1 }
mappings: { dir: '$MAPPINGS' }
targets:
  ${CRM}:
    preset: hubspot
    base_url: '${hs.baseUrl}'
    breaker_threshold: 20
    auth: { type: bearer, token: { env: HUBSPOT_TOKEN } }
    schema_check_at_start: false   # its property reads would take part in the counted rate limit
`, { HUBSPOT_TOKEN: hs.tokens[0]! }, { mappingsDir: mappingsSubset({ hubspot: ['customer_upsert.yaml'] }) });
    await waitListening(port);
  });

  after(async function () {
    await stopSidecarExpectingZero(sidecar, this, 8000);
    await hs?.close();
    // Archived: the target would pick up every partner other suites create.
    await ensureTarget(env, CRM, { active: false });
  });

  it(`a company HubSpot answers 429 ${LIMITED_TRIES} times (more than max_attempts, ${MAX_ATTEMPTS}): never dead, claims given back, created once`, async () => {
    hs.faults.next429(LIMITED_TRIES);
    const company = await create(env.admin, 'res.partner', { name: `Limited Ltd ${RUN}`, is_company: true, user_id: false });
    // Refused by the rate limit more often than max_attempts and still pending, its claims given back.
    const [waiting] = await waitFor('more 429s than max_attempts, still pending', async () => {
      const evs = await eventsOf(company);
      return evs.length === 1 && hs.ledger.requests.filter((r) => r.status === 429).length > MAX_ATTEMPTS && evs[0]!.state === 'pending' && evs[0]!.last_error_details ? evs : undefined;
    }, 120_000, 100);
    const details = JSON.parse(String(waiting!.last_error_details)) as Record<string, unknown>;
    expect(details).to.include({ reason: 'rate_limited', notCounted: 'rate_limit' });
    expect(waiting!.attempts, 'the rate-limited claims are given back').to.equal(0);

    const [done] = await waitFor('the event done once the limit lifts', async () => {
      const evs = await eventsOf(company);
      expect(evs.map((e) => e.state), 'never dead or failed').to.not.include.members(['dead', 'failed']);
      return evs[0]?.state === 'done' ? evs : undefined;
    }, 120_000, 200);
    // Every 429 claim given back; the one that went through is the only counted attempt.
    expect(done!.attempts).to.equal(1);
    expect(hs.ledger.requests.filter((r) => r.status === 429)).to.have.length(LIMITED_TRIES);
    expect(hs.ledger.createsFor(String(company), 'companies')).to.equal(1);
  });

  it(`a company HubSpot answers 503 forever goes dead at max_attempts (${MAX_ATTEMPTS}): counted failures still count`, async () => {
    await hs.faults.reset();
    hs.faults.next5xx(1000, 503);
    const company = await create(env.admin, 'res.partner', { name: `Poison Ltd ${RUN}`, is_company: true, user_id: false });
    const [dead] = await waitFor('the event dead', async () => {
      const evs = await eventsOf(company);
      return evs[0]?.state === 'dead' ? evs : undefined;
    }, 120_000, 200);
    expect(dead!.attempts).to.equal(MAX_ATTEMPTS);
    const details = JSON.parse(String(dead!.last_error_details)) as Record<string, unknown>;
    expect(details).to.include({ reason: 'server_error', attempt: MAX_ATTEMPTS });
    expect(details).to.not.have.property('notCounted');
    await hs.faults.reset();
  });
});
