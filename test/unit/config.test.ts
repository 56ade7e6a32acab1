import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../bridge/config/load-config.js';
import { ConfigError } from '../../bridge/errors/index.js';

function tmpFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-config-'));
  const file = path.join(dir, 'bridge.config.yaml');
  fs.writeFileSync(file, text);
  return file;
}

const BASE_ENV = { ODOO_URL: 'http://127.0.0.1:8069', ODOO_DB: 'db1', ODOO_USERNAME: 'sync-bot', ODOO_API_KEY: 'key-1234567890' };

describe('config loading', () => {
  it('accepts an environment-only setup and applies defaults', () => {
    const loaded = loadConfig({ env: { ...BASE_ENV } });
    expect(loaded.config.odoo.url).to.equal('http://127.0.0.1:8069');
    expect(loaded.config.odoo.protocol).to.equal('xmlrpc');
    expect(loaded.config.worker.batch_size).to.equal(50);
    expect(loaded.secret(loaded.config.odoo.api_key, 'odoo.api_key')).to.equal('key-1234567890');
    expect(loaded.secretValues()).to.deep.equal(['key-1234567890']);
  });

  it('names every bad key, the bad value and what is allowed', () => {
    const file = tmpFile(`odoo:\n  url: not-a-url\n  db: x\n  username: u\n  api_key: { env: K }\nworker:\n  batch_size: 0\n  colour: blue\ntargets:\n  WMS:\n    preset: shipbob\n    base_url: http://x\n    auth: { type: bearer, token: { env: T } }\n  wms:\n    preset: sap\n    base_url: http://x\n    auth: { type: bearer, token: { env: T } }\n`);
    try {
      loadConfig({ file, env: {} });
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const issues = (err as ConfigError).issues.join('\n');
      expect(issues).to.match(/odoo\.url: .*URL.*got "not-a-url"/);
      expect(issues).to.match(/worker\.batch_size: .*got 0/);
      expect(issues).to.match(/worker.*colour/);
      expect(issues).to.match(/targets\.WMS/);
      expect(issues).to.match(/targets\.wms\.preset: .*shipbob.*got "sap"/);
    }
  });

  it('checks each preset\'s options: a typo or a wrong value names targets.<code>.options.<key>', () => {
    const file = tmpFile([
      'odoo: { url: "http://o", db: d, username: u, api_key: { env: K } }',
      'targets:',
      '  wms_main:',
      '    preset: shipbob',
      '    base_url: http://x',
      '    auth: { type: bearer, token: { env: T } }',
      '    options: { chanel_id: 5, amend_strategy: recreate, poll_milestones: "yes" }',
      '  crm_sf:',
      '    preset: salesforce',
      '    base_url: http://x',
      '    auth: { type: bearer, token: { env: T } }',
      '    options: { integration_user_id: "005-bad", account_fields: ["Odoo Vat"] }',
      '  wms_gen:',
      '    preset: generic_wms',
      '    base_url: http://x',
      '    auth: { type: bearer, token: { env: T } }',
      '    options: { orders_path: "/o/{reference}", vars: { a: 1 } }',
      '',
    ].join('\n'));
    try {
      loadConfig({ file, env: {} });
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const issues = (err as ConfigError).issues.join('\n');
      expect(issues).to.match(/targets\.wms_main\.options.*chanel_id/);
      expect(issues).to.match(/targets\.wms_main\.options\.amend_strategy: .*cancel_recreate/);
      expect(issues).to.match(/targets\.wms_main\.options\.poll_milestones/);
      expect(issues).to.match(/targets\.crm_sf\.options\.integration_user_id: .*Salesforce user Id/);
      expect(issues).to.match(/targets\.crm_sf\.options\.account_fields\.0: .*API name/);
      expect(issues).not.to.match(/wms_gen/);
    }
  });

  it('poll.overlap_minutes and options.search_per_second (HubSpot approved-deal poll): accepted on a HubSpot target, refused elsewhere or out of range naming the key', () => {
    const head = "odoo: { url: 'http://o', db: d, username: u, api_key: { env: K } }\ntargets:\n";
    const t = (code: string, preset: string, extra: string) => `  ${code}:\n    preset: ${preset}\n    base_url: http://x\n    auth: { type: bearer, token: { env: T } }\n${extra}`;
    const ok = loadConfig({ file: tmpFile(head + t('crm', 'hubspot', "    poll: { schedule: '*/5 * * * *', overlap_minutes: 10 }\n    options: { search_per_second: 2 }\n")), env: {} });
    expect(ok.config.targets.crm!.poll).to.deep.equal({ schedule: '*/5 * * * *', lookback_minutes: 60, overlap_minutes: 10 });
    const file = tmpFile(head + [
      t('wms', 'shipbob', "    poll: { schedule: '*/5 * * * *', overlap_minutes: 10 }\n"),
      t('crm', 'hubspot', "    poll: { schedule: '*/5 * * * *', overlap_minutes: -1 }\n    options: { search_per_second: 0 }\n"),
    ].join(''));
    try {
      loadConfig({ file, env: {} });
      expect.fail('should have thrown');
    } catch (err) {
      const issues = (err as ConfigError).issues.join('\n');
      expect(issues).to.match(/targets\.wms\.poll\.overlap_minutes: only the hubspot poll reads it/);
      expect(issues).to.match(/targets\.crm\.poll\.overlap_minutes: .*got -1/);
      expect(issues).to.match(/targets\.crm\.options\.search_per_second: .*got 0/);
    }
  });

  it('options.poll_returns / returns_max_age_days (ShipBob returns poll): checked, naming the key', () => {
    const head = "odoo: { url: 'http://o', db: d, username: u, api_key: { env: K } }\ntargets:\n";
    const t = (code: string, options: string) => `  ${code}:\n    preset: shipbob\n    base_url: http://x\n    auth: { type: bearer, token: { env: T } }\n    poll: { schedule: '*/5 * * * *' }\n    options: { ${options} }\n`;
    const ok = loadConfig({ file: tmpFile(head + t('wms', 'poll_returns: false, returns_max_age_days: 30')), env: {} });
    expect(ok.config.targets.wms!.options).to.deep.include({ poll_returns: false, returns_max_age_days: 30 });
    try {
      loadConfig({ file: tmpFile(head + t('wms', 'poll_returns: "no", returns_max_age_days: 0')), env: {} });
      expect.fail('should have thrown');
    } catch (err) {
      const issues = (err as ConfigError).issues.join('\n');
      expect(issues).to.match(/targets\.wms\.options\.poll_returns/);
      expect(issues).to.match(/targets\.wms\.options\.returns_max_age_days/);
    }
  });

  it('refuses literal secrets: a secret must be an env or secrets-file reference', () => {
    const file = tmpFile(`odoo: { url: 'http://o', db: d, username: u, api_key: 'plain-text-key' }\n`);
    expect(() => loadConfig({ file, env: {} })).to.throw(ConfigError, /odoo\.api_key: a secret reference .*got a literal value, not shown/);
    try { loadConfig({ file, env: {} }); } catch (err) { expect((err as ConfigError).issues.join('\n')).not.to.contain('plain-text-key'); }
  });

  it('webhook_secret_previous (rotation): a secret reference next to webhook_secret; a literal, a lone one or one on Salesforce is refused naming the key', () => {
    const head = "odoo: { url: 'http://o', db: d, username: u, api_key: { env: K } }\ntargets:\n";
    const t = (code: string, preset: string, extra: string) => `  ${code}:\n    preset: ${preset}\n    base_url: http://x\n    auth: { type: bearer, token: { env: T } }\n${extra}`;
    const ok = loadConfig({ file: tmpFile(head + t('wms', 'shipbob', '    webhook_secret: { env: NEW_SECRET }\n    webhook_secret_previous: { secret: old_one }\n')), env: {} });
    expect(ok.config.targets.wms!.webhook_secret_previous).to.deep.equal({ secret: 'old_one' });
    const file = tmpFile(head + [
      t('wms', 'shipbob', "    webhook_secret: { env: NEW_SECRET }\n    webhook_secret_previous: 'whsec_literal_old_value'\n"),
      t('crm', 'hubspot', '    webhook_secret_previous: { env: OLD_SECRET }\n'),
      t('sf', 'salesforce', '    webhook_secret: { env: NEW_SECRET }\n    webhook_secret_previous: { env: OLD_SECRET }\n'),
    ].join(''));
    try {
      loadConfig({ file, env: {} });
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const issues = (err as ConfigError).issues.join('\n');
      expect(issues).to.match(/targets\.wms\.webhook_secret_previous: a secret reference \{ env: NAME \} or \{ secret: key \}.*got a literal value, not shown/);
      expect(issues, 'a literal secret is never echoed').not.to.contain('whsec_literal_old_value');
      expect(issues).to.match(/targets\.crm\.webhook_secret_previous: needs webhook_secret/);
      expect(issues).to.match(/targets\.sf\.webhook_secret_previous: the salesforce preset sends no webhooks/);
      expect(issues).to.match(/targets\.sf\.webhook_secret: the salesforce preset sends no webhooks/);
    }
  });

  it('resolves secrets from a secrets file and names a missing one', () => {
    const secrets = tmpFile('odoo_key: from-file-secret\n');
    const file = tmpFile(`odoo: { url: 'http://o', db: d, username: u, api_key: { secret: odoo_key } }\nserver: { admin_token: { env: NOPE } }\n`);
    const loaded = loadConfig({ file, env: { BRIDGE_SECRETS_FILE: secrets } });
    expect(loaded.secret(loaded.config.odoo.api_key, 'odoo.api_key')).to.equal('from-file-secret');
    expect(() => loaded.secret(loaded.config.server.admin_token!, 'server.admin_token')).to.throw(ConfigError, /server\.admin_token: .*NOPE/);
  });

  it('reports invalid YAML with the file name', () => {
    const file = tmpFile('odoo: [unclosed\n');
    expect(() => loadConfig({ file, env: {} })).to.throw(ConfigError, /bridge\.config\.yaml/);
  });

  it('says when an explicitly named file does not exist', () => {
    expect(() => loadConfig({ env: { BRIDGE_CONFIG: '/nonexistent/x.yaml' } })).to.throw(ConfigError, /BRIDGE_CONFIG: file not found/);
  });
});
