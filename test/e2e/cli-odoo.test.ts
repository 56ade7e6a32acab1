import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { odooTestEnv, serviceGateway, SERVICE_LOGIN, SERVICE_PASSWORD } from './support/odoo-env.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = path.join(root, 'dist/bridge/cli.js');

function run(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error', ...env }, encoding: 'utf8', timeout: 60_000 });
}

describe('e2e: the sidecar CLI against real Odoo', function () {
  this.timeout(120_000);
  const env = odooTestEnv();
  before(async () => { await serviceGateway(env); });

  it('check-odoo as the service user: connects, finds the addon and its contract', () => {
    const r = run(['check-odoo'], { ODOO_URL: env.url, ODOO_DB: env.db, ODOO_USERNAME: SERVICE_LOGIN, ODOO_API_KEY: SERVICE_PASSWORD });
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    const info = JSON.parse(r.stdout) as { contract_version: string; module_version: string };
    expect(String(info.contract_version)).to.equal('1');
    expect(info.module_version).to.match(/^18\.0\./);
  });

  it('wrong API key: exit 1 with a sentence naming login and database, no secret echoed', () => {
    const r = run(['check-odoo'], { ODOO_URL: env.url, ODOO_DB: env.db, ODOO_USERNAME: SERVICE_LOGIN, ODOO_API_KEY: 'wrong-key-0987654321' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(new RegExp(`refused login '${SERVICE_LOGIN}' on database '${env.db}'`));
    expect(r.stderr).not.to.contain('wrong-key-0987654321');
  });

  it('status prints one row per target', () => {
    const r = run(['status'], { ODOO_URL: env.url, ODOO_DB: env.db, ODOO_USERNAME: SERVICE_LOGIN, ODOO_API_KEY: SERVICE_PASSWORD });
    expect(r.stdout.split('\n')[0]).to.match(/^target\s+pending\s+in_progress\s+failed\s+dead\s+oldest_pending/);
    expect([0, 1]).to.include(r.status);
  });
});
