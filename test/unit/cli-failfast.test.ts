import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { CONTRACT_VERSION, MIN_ADDON_RELEASE } from '../../bridge/odoo/contract.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = path.join(root, 'dist/bridge/cli.js');

function run(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 20_000 });
}

describe('sync-bridge CLI fails fast with a clear message', () => {
  it('Odoo unreachable: exit 69 and names the URL', () => {
    const r = run(['check-odoo'], { ODOO_URL: 'http://127.0.0.1:9', ODOO_DB: 'd', ODOO_USERNAME: 'u', ODOO_API_KEY: 'secret-key-123', LOG_LEVEL: 'error' });
    expect(r.status).to.equal(69);
    expect(r.stderr).to.match(/Odoo is unreachable at http:\/\/127\.0\.0\.1:9/);
    expect(r.stderr + r.stdout).not.to.contain('secret-key-123');
  });
  it('missing configuration: exit 78 and one line per missing key', () => {
    const r = run(['check-odoo'], { BRIDGE_CONFIG: path.join(root, 'test/unit/no-such-config.yaml') });
    expect(r.status).to.equal(78);
    expect(r.stderr).to.contain('BRIDGE_CONFIG: file not found');
    const r2 = run(['check-odoo'], { ODOO_URL: 'http://127.0.0.1:9' });
    expect(r2.status).to.equal(78);
    expect(r2.stderr).to.match(/odoo\.db: .*missing/);
    expect(r2.stderr).to.match(/odoo\.username: .*missing/);
  });
  it('--version: the sidecar version (package.json), the contract and the oldest addon release it works with', () => {
    const r = run(['--version'], {});
    expect(r.status).to.equal(0);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect(r.stdout.trim()).to.equal(`sync-bridge ${pkg.version} (Odoo contract ${CONTRACT_VERSION}, addon sync_bridge <series>.${MIN_ADDON_RELEASE} or newer)`);
  });
  it('unknown command: exit 2 with usage', () => {
    const r = run(['frobnicate'], {});
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain('usage: sync-bridge');
  });
});
