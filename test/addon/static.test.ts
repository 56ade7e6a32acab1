import { execFileSync, spawnSync } from 'node:child_process';
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

// pyflakes over the addon's Python (its tools and these checks too): undefined names, unused
// imports and variables, names redefined, f-strings without placeholders... the errors an Odoo
// test only meets on the branch that runs them. `import .x` in __init__.py files is how Odoo
// loads the modules, not an unused import. Needs pyflakes for some python3 (Debian:
// python3-pyflakes); without it the test says so and is skipped.
describe('addon Python: pyflakes', () => {
  const pythons = ['/usr/bin/python3', 'python3'];
  const py = pythons.find((p) => spawnSync(p, ['-m', 'pyflakes', '--version'], { encoding: 'utf8' }).status === 0);
  it('reports nothing (outside the imports of __init__.py files)', function () {
    if (!py) {
      console.log('      (skipped: no python3 with pyflakes; Debian: apt install python3-pyflakes)');
      this.skip();
    }
    const r = spawnSync(py!, ['-m', 'pyflakes', path.join(root, 'odoo_addon'), path.join(root, 'test/addon')], { encoding: 'utf8' });
    const problems = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '')
      .filter((l) => !/[\\/]__init__\.py:\d+:\d+:? '\.[\w.]+' imported but unused$/.test(l))
      .map((l) => path.relative(root, l.split(':')[0]!) + l.slice(l.indexOf(':')));
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
