import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonRelease, addonVersionProblem, MIN_ADDON_RELEASE } from '../../bridge/odoo/contract.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('the sidecar refuses an addon older than the release it needs', () => {
  it('the release is the last three parts of the version Odoo reports (any series)', () => {
    expect(addonRelease('18.0.1.6.0')).to.deep.equal([1, 6, 0]);
    expect(addonRelease('19.0.1.6.0'), 'the Odoo 19 port').to.deep.equal([1, 6, 0]);
    expect(addonRelease('17.0.1.10.2')).to.deep.equal([1, 10, 2]);
    for (const bad of [false, null, '', '1.6.0', '18.0.1.6', '18.0.1.6.0-beta', 42]) expect(addonRelease(bad), String(bad)).to.equal(undefined);
  });

  const cases: Array<[unknown, boolean]> = [
    ['18.0.1.6.0', true], ['18.0.1.6.1', true], ['18.0.1.7.0', true], ['18.0.1.10.0', true], ['18.0.2.0.0', true], ['19.0.1.6.0', true],
    ['18.0.1.5.0', false], ['18.0.1.5.9', false], ['18.0.0.9.9', false], ['19.0.1.5.0', false], [false, false], ['garbage', false],
  ];
  for (const [version, ok] of cases) {
    it(`${JSON.stringify(version)} with minimum 1.6.0: ${ok ? 'accepted' : 'refused, naming both versions and the fix'}`, () => {
      const problem = addonVersionProblem(version, '1.6.0');
      if (ok) expect(problem).to.equal(undefined);
      else {
        expect(problem).to.be.a('string');
        expect(problem).to.contain(String(version)).and.to.contain('1.6.0').and.to.contain('odoo-bin -u sync_bridge');
      }
    });
  }

  it('the addon shipped in this repository (its manifest) meets the minimum, so a fresh install always starts', () => {
    const manifest = readFileSync(path.join(root, 'odoo_addon/sync_bridge/__manifest__.py'), 'utf8');
    const version = /"version":\s*"([^"]+)"/.exec(manifest)![1]!;
    expect(addonVersionProblem(version), `manifest ${version}`).to.equal(undefined);
    expect(addonVersionProblem(version, MIN_ADDON_RELEASE)).to.equal(undefined);
  });

  it('one product version: package.json (the sidecar, the release tarball\'s name) and its lock carry the addon\'s release, the manifest\'s version without the series', () => {
    const manifest = readFileSync(path.join(root, 'odoo_addon/sync_bridge/__manifest__.py'), 'utf8');
    const release = /"version":\s*"\d+\.0\.(\d+\.\d+\.\d+)"/.exec(manifest)?.[1];
    expect(release, 'the manifest version is <series>.x.y.z').to.be.a('string');
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { version: string; packages: Record<string, { version?: string }> };
    expect(pkg.version, 'package.json: bump it with the manifest (npm version <x.y.z> --no-git-tag-version)').to.equal(release);
    expect([lock.version, lock.packages['']?.version], 'package-lock.json').to.deep.equal([release, release]);
  });
});
