import { expect } from 'chai';
import { formatVersions, versionsReport } from '../../bridge/app/versions-report.js';
import { configSchema } from '../../bridge/config/schema.js';
import { CONTRACT_VERSION, MIN_ADDON_RELEASE } from '../../bridge/odoo/contract.js';
import { BridgeMetrics } from '../../bridge/runtime/metrics.js';
import { sidecarVersion } from '../../bridge/version.js';

const config = configSchema.parse({ odoo: { url: 'https://erp.example.com', db: 'prod', username: 'bridge', api_key: { env: 'X' } } });

describe('versions: what runs on each side (status, /readyz, sync_bridge_build_info)', () => {
  it('names the sidecar, Odoo with its series and protocol, and the addon; no problem when they fit', () => {
    const r = versionsReport(config, 'json2', '19.0-20251002', { module_version: '19.0.1.11.0', contract_version: CONTRACT_VERSION });
    expect(r).to.deep.equal({
      sidecar: sidecarVersion(), contract: CONTRACT_VERSION, needs_addon_release: MIN_ADDON_RELEASE,
      odoo: { url: 'https://erp.example.com', db: 'prod', protocol: 'json2', server_version: '19.0-20251002', series: 19 },
      addon: { module_version: '19.0.1.11.0', contract_version: CONTRACT_VERSION },
    });
    const text = formatVersions(r);
    expect(text.split('\n')[0]).to.equal(`sidecar ${sidecarVersion()} (Odoo contract ${CONTRACT_VERSION}, needs addon release ${MIN_ADDON_RELEASE} or newer)`);
    expect(text.split('\n')[1]).to.equal('Odoo 19.0-20251002 at https://erp.example.com, database prod, over json2; addon sync_bridge 19.0.1.11.0 (contract 1)');
    expect(text).not.to.contain('PROBLEM');
  });

  it('an addon older than the release this sidecar needs: the problem says to upgrade the addon first', () => {
    const r = versionsReport(config, 'xmlrpc', '18.0', { module_version: '18.0.1.2.0', contract_version: CONTRACT_VERSION });
    expect(r.odoo.series).to.equal(18);
    expect(r.problem).to.contain(`the sync_bridge addon in Odoo is 18.0.1.2.0; this sidecar needs release ${MIN_ADDON_RELEASE} or newer`).and.to.contain('upgrade the addon first');
    expect(formatVersions(r).split('\n')[2]).to.equal(`PROBLEM: ${r.problem}`);
  });

  it('an addon of another contract version: the problem names both versions', () => {
    const r = versionsReport(config, 'xmlrpc', '18.0', { module_version: '18.0.2.0.0', contract_version: '2' });
    expect(r.problem).to.equal(`sync_bridge contract version 2 in Odoo, this sidecar speaks ${CONTRACT_VERSION}: upgrade the addon or the sidecar`);
  });

  it('sync_bridge_build_info is 1 with the versions as labels', async () => {
    const metrics = new BridgeMetrics();
    metrics.setBuildInfo(versionsReport(config, 'xmlrpc', '18.0+e', { module_version: '18.0.1.11.0', contract_version: CONTRACT_VERSION }));
    const text = await metrics.registry.metrics();
    expect(text).to.match(new RegExp(`^sync_bridge_build_info\\{version="${sidecarVersion().replace(/\./g, '\\.')}",odoo_version="18\\.0\\+e",odoo_protocol="xmlrpc",addon_version="18\\.0\\.1\\.11\\.0"\\} 1$`, 'm'));
    expect(text.match(/^sync_bridge_build_info\{/gm)).to.have.length(1);
  });
});
