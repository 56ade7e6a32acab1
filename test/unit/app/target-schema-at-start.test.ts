import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { checkTargetSchemasAtStart } from '../../../bridge/app/target-schema-at-start.js';
import { configSchema, type BridgeConfig } from '../../../bridge/config/schema.js';
import { createLogger } from '../../../bridge/log/logger.js';
import { Redactor } from '../../../bridge/log/redact.js';
import { BridgeMetrics } from '../../../bridge/runtime/metrics.js';
import { setUpOdooPortal } from '../../fakes/hubspot/portal.js';
import { startFake, type HubSpotFake, type ShipBobFake } from '../../fakes/start.js';

const mappingsDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../../mappings');

/** The start-up check of the CRM schema (sync-bridge check-targets, in the background at start). */
describe('start: CRM schema checked in the background', function () {
  this.timeout(30_000);
  let hs: HubSpotFake;
  let sb: ShipBobFake;
  before(async () => { sb = await startFake('shipbob'); });
  after(async () => sb?.close());
  beforeEach(async () => { hs = await startFake('hubspot'); setUpOdooPortal(hs); });
  afterEach(async () => hs?.close());

  function setUp(extra: Record<string, unknown> = {}) {
    const config: BridgeConfig = configSchema.parse({
      odoo: { url: 'http://127.0.0.1:9', db: 'x', username: 'x', api_key: { env: 'X' } }, mappings: { dir: mappingsDir },
      targets: {
        crm_hs: { preset: 'hubspot', base_url: hs.url, auth: { type: 'bearer', token: { env: 'HS' } }, options: { id_property: 'odoo_partner_id', deal_id_property: 'odoo_order_id' }, ...extra },
        wms_sb: { preset: 'shipbob', base_url: `${sb.baseUrl}/`, auth: { type: 'bearer', token: { env: 'SB' } }, options: { channel_id: sb.channels[0]!.id } },
      },
    });
    const lines: Array<Record<string, unknown>> = [];
    const stream = new PassThrough();
    stream.on('data', (b: Buffer) => { for (const l of b.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>); });
    const log = createLogger({ level: 'info', format: 'json', redactor: new Redactor(), stream });
    const metrics = new BridgeMetrics();
    const tokens: Record<string, string> = { HS: 'hubspot-test-token', SB: sb.tokens[0]! };
    const secret = (ref: { env: string } | { secret: string }) => tokens['env' in ref ? ref.env : ref.secret] ?? '';
    const run = async () => {
      await checkTargetSchemasAtStart({ config, secret, log }, metrics.registry);
      await new Promise((r) => setImmediate(r));
      return { lines, text: await metrics.registry.metrics() };
    };
    return { run };
  }

  it('a portal set up per the docs: 0 problems, one info line; WMS targets are not checked at start', async () => {
    const before = sb.ledger.requests.length;
    const { lines, text } = await setUp().run();
    expect(text).to.contain('sync_bridge_target_schema_problems{target="crm_hs"} 0');
    expect(text).to.not.contain('target="wms_sb"');
    expect(lines.map((l) => String(l.message))).to.deep.equal([lines[0]!.message]);
    expect(String(lines[0]!.message)).to.match(/^target schema: crm_hs: ok \(/);
    expect(sb.ledger.requests.length, 'no request to the WMS').to.equal(before);
  });

  it('a missing dropdown option: a warning naming the mapping line, counted in the gauge', async () => {
    hs.schema.deals['odoo_fulfilment_status']!.options = hs.schema.deals['odoo_fulfilment_status']!.options!.filter((o) => o !== 'resumed');
    const { lines, text } = await setUp().run();
    expect(text).to.contain('sync_bridge_target_schema_problems{target="crm_hs"} 1');
    const warn = lines.find((l) => String(l.message).includes("dropdown has no option 'resumed'"));
    expect(warn, JSON.stringify(lines)).to.include({ level: 'warn', target: 'crm_hs' });
    expect(String(warn!.message)).to.match(/mappings\/hubspot\/order_status\.yaml:\d+:\d+/);
    expect(lines.map((l) => String(l.message))).to.include('target schema: crm_hs: 1 problem (events writing these will fail: create them in the CRM, then run sync-bridge check-targets)');
  });

  it('credentials refused: -1 and a warning, never a throw; schema_check_at_start: false skips the target', async () => {
    const refused = setUp({ auth: { type: 'bearer', token: { env: 'NOPE' } } });
    const { lines, text } = await refused.run();
    expect(text).to.contain('sync_bridge_target_schema_problems{target="crm_hs"} -1');
    expect(lines.some((l) => /^target schema not checked: crm_hs: authentication failed/.test(String(l.message)))).to.equal(true);
    const before = hs.ledger.requests.length;
    const off = await setUp({ schema_check_at_start: false }).run();
    expect(off.text).to.not.contain('sync_bridge_target_schema_problems{');
    expect(hs.ledger.requests.length).to.equal(before);
  });
});
