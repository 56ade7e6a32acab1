import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { expect } from 'chai';

// Odoo-free checks of the series porting tool (odoo_addon/tools/make_series.py): run by
// check_series.py (standard library only), which runs the tool into temporary folders.
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const script = path.join(root, 'test/addon/check_series.py');

interface Check { name: string; ok: boolean; detail: string }

const checks = JSON.parse(execFileSync('python3', [script], { encoding: 'utf8' })) as Check[];

describe('make_series.py: the module for Odoo 17.0, 19.0 (and 18.0) from the one source tree', () => {
  it('found checks to run', () => {
    expect(checks.length).to.be.greaterThan(50);
  });
  for (const c of checks) {
    it(c.name, () => {
      expect(c.ok, c.detail).to.equal(true);
    });
  }
});
