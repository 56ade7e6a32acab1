import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { openStateStore } from '../../../bridge/state/state-store.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/**
 * deploy/make-release.sh: the tarball a server installs. Built once here, unpacked, and run from
 * where it was unpacked (with the repository's node_modules standing in for `npm ci --omit=dev`,
 * whose sufficiency is checked by the imports test).
 */
describe('release tarball (deploy/make-release.sh)', function () {
  this.timeout(180_000);
  let tmp: string;
  let dir: string;
  let tarball: string;
  const cli = (args: string[], env: Record<string, string> = {}, cwd?: string) => spawnSync(process.execPath, [path.join(dir, 'dist/bridge/cli.js'), ...args], {
    encoding: 'utf8', timeout: 60_000, cwd: cwd ?? tmp, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error', ...env },
  });

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-release-'));
    const r = spawnSync('bash', [path.join(root, 'deploy/make-release.sh'), '--out', path.join(tmp, 'out')], { encoding: 'utf8', timeout: 170_000 });
    expect(r.status, r.stderr + r.stdout).to.equal(0);
    tarball = path.join(tmp, 'out', `sync-bridge-${pkg.version}.tar.gz`);
    expect(r.stdout).to.contain(`[release] ${tarball}: `);
    const x = spawnSync('tar', ['-xzf', tarball, '-C', tmp], { encoding: 'utf8' });
    expect(x.status, x.stderr).to.equal(0);
    dir = path.join(tmp, `sync-bridge-${pkg.version}`);
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  });
  after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

  it('holds the compiled sidecar, mappings, the addon (source and ported per series), unit, docs, licence and lock file; nothing of the development tree', () => {
    const files = walk(dir).map((f) => path.relative(dir, f)).filter((f) => !f.startsWith('node_modules'));
    for (const f of ['dist/bridge/cli.js', 'package.json', 'package-lock.json', 'README.md', 'LICENSE', 'COPYING', 'mappings/mapping.schema.json',
      'mappings/shipbob/order_release.yaml', 'odoo_addon/sync_bridge/__manifest__.py', 'odoo_addon/tools/make_series.py',
      'deploy/systemd/sync-bridge.service', 'deploy/systemd/sync-bridge-backup.service', 'deploy/systemd/sync-bridge-backup.timer', 'deploy/systemd/secrets.env.example', 'docs/runbooks.md']) expect(files, f).to.include(f);
    const bad = files.filter((f) => /^(dist\/(test|bench|demo)|test|bench|demo|bridge)\/|__pycache__|\.pyc$|\.sqlite|(^|\/)\.env$|secrets[^/]*\.yaml$|tsbuildinfo/.test(f));
    expect(bad, 'development files in the release').to.deep.equal([]);
    for (const series of ['17.0', '18.0', '19.0']) {
      const manifest = fs.readFileSync(path.join(dir, 'addons', series, 'sync_bridge/__manifest__.py'), 'utf8');
      expect(manifest, `the module for Odoo ${series}: the release's version (sync-bridge-${pkg.version})`).to.contain(`"version": "${series}.${pkg.version}"`);
    }
    const checksum = fs.readFileSync(`${tarball}.sha256`, 'utf8');
    expect(checksum).to.equal(`${createHash('sha256').update(fs.readFileSync(tarball)).digest('hex')}  ${path.basename(tarball)}\n`);
  });

  it('the sidecar imports only Node built-ins and package.json dependencies (so `npm ci --omit=dev` is enough)', () => {
    const builtins = new Set(builtinModules);
    const used = new Set<string>();
    for (const f of walk(path.join(dir, 'dist')).filter((p) => p.endsWith('.js'))) {
      const text = fs.readFileSync(f, 'utf8');
      const specs = [
        ...[...text.matchAll(/^(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
        ...[...text.matchAll(/^import\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
        ...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
      ];
      for (const spec of specs) {
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        used.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    expect(used.size, 'some packages are imported').to.be.greaterThan(3);
    expect([...used].filter((u) => !(u in pkg.dependencies)), 'imported but not a runtime dependency').to.deep.equal([]);
  });

  it('runs from where it was unpacked: --version, mappings check of its mappings with their fixtures', () => {
    const v = cli(['--version']);
    expect(v.status, v.stderr).to.equal(0);
    expect(v.stdout).to.match(new RegExp(`^sync-bridge ${pkg.version.replace(/\./g, '\\.')} \\(Odoo contract 1, `));
    const c = cli(['mappings', 'check', path.join(dir, 'mappings'), '--fixtures']);
    expect(c.status, c.stdout + c.stderr).to.equal(0);
  });

  it('start with an invalid configuration exits 78 naming the key (what the systemd unit does not restart)', () => {
    const cfg = path.join(tmp, 'bad.config.yaml');
    fs.writeFileSync(cfg, `odoo: { url: 'not a url', db: x, username: x, api_key: { env: ODOO_API_KEY } }\nmappings: { dir: '${path.join(dir, 'mappings')}' }\n`);
    const r = cli(['start'], { BRIDGE_CONFIG: cfg, ODOO_API_KEY: 'k-123456789' });
    expect(r.status).to.equal(78);
    expect(r.stderr).to.contain('odoo.url');
    const unit = fs.readFileSync(path.join(dir, 'deploy/systemd/sync-bridge.service'), 'utf8');
    expect(unit).to.match(/^RestartPreventExitStatus=1 78$/m);
    expect(unit).to.match(/^ExecStart=\/usr\/bin\/node \/opt\/sync-bridge\/dist\/bridge\/cli\.js start$/m);
  });

  it('the systemd units (sidecar, state backup and its timer) pass systemd-analyze verify without a warning', function () {
    const which = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
    if (which.status !== 0) {
      console.log('      (skipped: systemd-analyze is not installed here; the units are checked where it is)');
      this.skip();
    }
    // The units' paths, pointed at this machine's node and the unpacked release (verify checks the executables).
    const units = ['sync-bridge.service', 'sync-bridge-backup.service', 'sync-bridge-backup.timer'].map((name) => {
      const copy = path.join(tmp, name);
      fs.writeFileSync(copy, fs.readFileSync(path.join(dir, 'deploy/systemd', name), 'utf8')
        .replace('/usr/bin/node', process.execPath).replaceAll('/opt/sync-bridge', dir));
      return copy;
    });
    const r = spawnSync('systemd-analyze', ['verify', ...units], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr.trim(), 'warnings').to.equal('');
  });

  it('the backup unit runs `state backup` into the state folder, which its sandbox may write', () => {
    const unit = fs.readFileSync(path.join(dir, 'deploy/systemd/sync-bridge-backup.service'), 'utf8');
    const exec = /^ExecStart=\/usr\/bin\/node \/opt\/sync-bridge\/dist\/bridge\/cli\.js (.*)$/m.exec(unit)?.[1];
    expect(exec).to.equal('state backup --dir /var/lib/sync-bridge/backups --keep 14');
    expect(unit).to.match(/^ReadWritePaths=\/var\/lib\/sync-bridge$/m);
    const timer = fs.readFileSync(path.join(dir, 'deploy/systemd/sync-bridge-backup.timer'), 'utf8');
    expect(timer).to.match(/^OnCalendar=/m).and.to.match(/^Persistent=true$/m);
    // Run as the unit does, with the folder moved here: a state file, then its backup.
    const varLib = path.join(tmp, 'var-lib');
    openStateStore(path.join(varLib, 'bridge.sqlite')).close();
    const cfg = path.join(tmp, 'unit.config.yaml');
    fs.writeFileSync(cfg, `odoo: { url: 'http://127.0.0.1:8069', db: x, username: x, api_key: { env: ODOO_API_KEY } }\nstate: { path: '${varLib}/bridge.sqlite' }\nmappings: { dir: '${path.join(dir, 'mappings')}' }\n`);
    const r = cli(exec!.split(' ').map((a) => a.replace('/var/lib/sync-bridge', varLib)), { BRIDGE_CONFIG: cfg, ODOO_API_KEY: 'k-123456789' });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(fs.readdirSync(path.join(varLib, 'backups'))).to.have.length(1).and.to.satisfy((f: string[]) => /^state-\d{8}T\d{6}Z\.sqlite$/.test(f[0]!));
  });
});
