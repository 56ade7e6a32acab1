import { expect } from 'chai';
import { OdooContract } from '../../bridge/odoo/contract.js';
import { contractGateway } from './support/fakes.js';

const gateway = (moduleVersion: string) => contractGateway(moduleVersion, { ok: [1], refused: [] });

describe('OdooContract.reconResend: the records are res_ids from addon 18.0.1.11.0 (JSON-2 keeps `ids`), ids before', () => {
  for (const [version, key] of [['18.0.1.11.0', 'res_ids'], ['19.0.1.11.0', 'res_ids'], ['18.0.2.0.0', 'res_ids'], ['18.0.1.10.0', 'ids'], ['18.0.1.8.0', 'ids']] as const) {
    it(`addon ${version}: ${key}`, async () => {
      const gw = gateway(version);
      const c = new OdooContract(gw);
      await c.reconResend(7, 'res.partner', [1, 2]);
      await c.reconResend(7, 'res.partner', [3]);
      const resends = gw.calls.filter((x) => x.method === 'sync_recon_resend');
      expect(resends.map((x) => x.params)).to.deep.equal([{ run_id: 7, model: 'res.partner', [key]: [1, 2] }, { run_id: 7, model: 'res.partner', [key]: [3] }]);
      expect(gw.calls.filter((x) => x.method === 'sync_contract_info'), 'the release is asked once').to.have.length(1);
    });
  }
  it('uses the release info() read, without asking again', async () => {
    const gw = gateway('18.0.1.11.0');
    const c = new OdooContract(gw);
    await c.info('db');
    await c.reconResend(1, 'product.product', [5]);
    expect(gw.calls.map((x) => x.method)).to.deep.equal(['sync_contract_info', 'sync_recon_resend']);
    expect(gw.calls[1]!.params).to.have.property('res_ids');
  });
});
