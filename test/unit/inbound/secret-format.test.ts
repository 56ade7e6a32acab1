import { expect } from 'chai';
import { ConfigError } from '../../../bridge/errors/index.js';
import { Inbound } from '../../../bridge/inbound/index.js';
import { webhookSecretProblem } from '../../../bridge/inbound/verify.js';
import { BridgeMetrics } from '../../../bridge/runtime/metrics.js';
import { createLogger } from '../../../bridge/log/logger.js';
import { Redactor } from '../../../bridge/log/redact.js';
import { targetSchema, type BridgeConfig } from '../../../bridge/config/schema.js';
import { FakeSink, SHIPBOB_SECRET, tempDb } from './helpers.js';

/** A webhook secret that can never verify is refused at start, naming the key, never the value. */
describe('webhook secrets are checked at start', () => {
  it('ShipBob needs a Standard Webhooks secret (whsec_<base64>); other presets any non-empty secret', () => {
    expect(webhookSecretProblem('shipbob', SHIPBOB_SECRET)).to.equal(undefined);
    for (const bad of ['not base64 !!', 'whsec_', 'abc']) expect(webhookSecretProblem('shipbob', bad), bad).to.match(/not a Standard Webhooks secret: expected whsec_<base64>/);
    expect(webhookSecretProblem('hubspot', 'any app secret')).to.equal(undefined);
    expect(webhookSecretProblem('generic_wms', '   ')).to.equal('empty secret');
  });

  it('Inbound refuses a malformed ShipBob webhook_secret / webhook_secret_previous with a ConfigError naming each key (exit 78 at start)', () => {
    const values: Record<string, string> = { NEW: 'whsec_%%%%-not-base64', OLD: 'also not base64 !!' };
    const target = targetSchema.parse({
      preset: 'shipbob', base_url: 'http://127.0.0.1:9/', auth: { type: 'bearer', token: { env: 'X' } },
      webhook_secret: { env: 'NEW' }, webhook_secret_previous: { env: 'OLD' },
    });
    const config = { targets: { wms_sb: target }, inbound: {}, server: {}, state: {} } as unknown as BridgeConfig;
    const { db } = tempDb();
    let err: unknown;
    try {
      new Inbound({ // eslint-disable-line no-new
        config, secret: (ref) => values[(ref as { env: string }).env]!, connectors: new Map(), sink: new FakeSink(), db,
        metrics: new BridgeMetrics(), log: createLogger({ level: 'error', format: 'json', redactor: new Redactor() }),
      });
    } catch (e) { err = e; }
    db.close();
    expect(err).to.be.instanceOf(ConfigError);
    const issues = (err as ConfigError).issues;
    expect(issues).to.deep.equal([
      'targets.wms_sb.webhook_secret: not a Standard Webhooks secret: expected whsec_<base64> as ShipBob shows it (Integrations > Webhooks)',
      'targets.wms_sb.webhook_secret_previous: not a Standard Webhooks secret: expected whsec_<base64> as ShipBob shows it (Integrations > Webhooks)',
    ]);
    expect(issues.join('\n')).not.to.contain('not-base64').and.not.to.contain('also not');
  });
});
