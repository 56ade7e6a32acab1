import { expect } from 'chai';
import winston from 'winston';
import type { CircuitState } from '../../bridge/connectors/http/circuit-breaker.js';
import { OdooContract, type ContactItem } from '../../bridge/odoo/contract.js';
import { ContactReporter } from '../../bridge/runtime/contact-reporter.js';
import { capturingLog, contractGateway } from './support/fakes.js';

/** A gateway answering sync_contract_info with `moduleVersion` (sync_contact: one code refused), recording every call. */
const gateway = (moduleVersion: string, fail = false) =>
  contractGateway(moduleVersion, { ok: ['wms'], refused: [{ code: 'crm', reason: 'unknown_target' }] }, fail ? new Error('connect ECONNREFUSED 127.0.0.1:8069') : undefined);

const connector = (code: string, circuit: CircuitState, pausedMs = 0) => ({ code, circuitState: () => circuit, pausedForMs: () => pausedMs });

describe('ContactReporter: what the sidecar sees of each target, for Odoo (sync_contact)', () => {
  it('reports each target: claimed from (ok), circuit open, probing, paused by a rate limit', () => {
    const r = new ContactReporter({ contact: () => Promise.resolve(undefined) }, [
      connector('wms', 'closed'), connector('crm', 'open'), connector('wms2', 'half_open'), connector('crm2', 'closed', 2500),
    ], 'bridge-1', 60_000, winston.createLogger({ silent: true }));
    expect(r.items()).to.deep.equal([
      { code: 'wms', state: 'ok' },
      { code: 'crm', state: 'circuit_open', detail: 'its calls failed; nothing is sent to it until the circuit closes' },
      { code: 'wms2', state: 'half_open' },
      { code: 'crm2', state: 'paused', detail: 'for 3 s more' },
    ] satisfies ContactItem[]);
  });

  it('sends them with the worker id to an addon of 18.0.1.13.0 or later; logs the codes Odoo does not know', async () => {
    const gw = gateway('18.0.1.13.0');
    const { log, records } = capturingLog();
    await new ContactReporter(new OdooContract(gw), [connector('wms', 'open'), connector('crm', 'closed')], 'bridge-1', 60_000, log).report();
    const sent = gw.calls.filter((c) => c.method === 'sync_contact');
    expect(sent).to.have.length(1);
    expect(sent[0]!.params).to.deep.include({ worker_id: 'bridge-1' });
    expect((sent[0]!.params as { targets: ContactItem[] }).targets.map((t) => `${t.code}:${t.state}`)).to.deep.equal(['wms:circuit_open', 'crm:ok']);
    expect(records.find((r) => r['level'] === 'warn')).to.deep.include({ message: 'sync_contact: targets unknown to Odoo' });
  });

  it('sends the sidecar\'s release when it has one (the running sidecar: package.json\'s version), else no sidecar_version', async () => {
    const gw = gateway('18.0.1.13.0');
    const silent = winston.createLogger({ silent: true });
    await new ContactReporter(new OdooContract(gw), [connector('wms', 'closed')], 'bridge-1', 60_000, silent, '1.13.0').report();
    await new ContactReporter(new OdooContract(gw), [connector('wms', 'closed')], 'bridge-1', 60_000, silent).report();
    const sent = gw.calls.filter((c) => c.method === 'sync_contact').map((c) => c.params as Record<string, unknown>);
    expect(sent.map((p) => p['sidecar_version'])).to.deep.equal(['1.13.0', undefined]);
    expect(Object.keys(sent[1]!)).to.deep.equal(['worker_id', 'targets'], 'no key without a release');
  });

  for (const version of ['18.0.1.12.0', '19.0.1.11.0']) {
    it(`sends nothing to an older addon (${version}): its claims are the contact there`, async () => {
      const gw = gateway(version);
      await new ContactReporter(new OdooContract(gw), [connector('wms', 'closed')], 'bridge-1', 60_000, winston.createLogger({ silent: true })).report();
      expect(gw.calls.map((c) => c.method)).to.deep.equal(['sync_contract_info']);
    });
  }

  it('a failed report is logged once (not at every interval) and never throws', async () => {
    const gw = gateway('19.0.1.13.0', true);
    const { log, records } = capturingLog();
    const r = new ContactReporter(new OdooContract(gw), [connector('wms', 'closed')], 'bridge-1', 60_000, log);
    await r.report();
    await r.report();
    const warns = records.filter((x) => x['level'] === 'warn').map((x) => String(x['message']));
    expect(warns).to.deep.equal(['sync_contact failed (tried again in 60 s): Error: connect ECONNREFUSED 127.0.0.1:8069']);
  });

  it('start() reports at once and then every interval; stop() ends it', async () => {
    let n = 0;
    const r = new ContactReporter({ contact: () => { n += 1; return Promise.resolve(undefined); } }, [connector('wms', 'closed')], 'bridge-1', 1000, winston.createLogger({ silent: true })).start();
    await new Promise((res) => setTimeout(res, 2300));
    await r.stop();
    const seen = n;
    expect(seen, 'at once, then at 1 s and 2 s').to.equal(3);
    await new Promise((res) => setTimeout(res, 1200));
    expect(n).to.equal(seen);
  });
});
