import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { expect } from 'chai';

// Odoo-free checks of the addon: run by check_addon.py (standard library only), one test each.
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const script = path.join(root, 'test/addon/check_addon.py');
const addon = path.join(root, 'odoo_addon/sync_bridge');

interface Check { name: string; ok: boolean; detail: string }

const checks = JSON.parse(execFileSync('python3', [script, addon], { encoding: 'utf8' })) as Check[];

describe('addon static checks (odoo_addon/sync_bridge)', () => {
  it('found checks to run', () => {
    expect(checks.length).to.be.greaterThan(10);
  });
  for (const c of checks) {
    it(c.name, () => {
      expect(c.ok, c.detail).to.equal(true);
    });
  }
});
