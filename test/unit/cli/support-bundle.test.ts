import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { AppContext } from '../../../bridge/app/context.js';
import { runSupportBundle } from '../../../bridge/cli/support-bundle.js';
import { loadConfig } from '../../../bridge/config/load-config.js';
import { Redactor } from '../../../bridge/log/redact.js';
import { OdooUnavailableError } from '../../../bridge/odoo/odoo-errors.js';
import type { OdooGateway } from '../../../bridge/odoo/odoo-gateway.js';
import { silentLog } from '../connectors/helpers.js';

/** Odoo down: every call fails as the transports fail when Odoo does not answer. */
const downOdoo = {
  protocol: 'xmlrpc',
  connect: () => Promise.reject(new OdooUnavailableError('connect ECONNREFUSED 127.0.0.1:9')),
  call: () => Promise.reject(new OdooUnavailableError('connect ECONNREFUSED 127.0.0.1:9')),
  serverVersion: () => Promise.reject(new OdooUnavailableError('connect ECONNREFUSED 127.0.0.1:9')),
} as unknown as OdooGateway;

function sink(): { stream: NodeJS.WritableStream; text: () => string } {
  let out = '';
  return { stream: { write: (s: string) => { out += s; return true; } } as unknown as NodeJS.WritableStream, text: () => out };
}

describe('sync-bridge support-bundle (sections that cannot be collected)', () => {
  let dir: string;
  let ctx: AppContext;
  const token = 'tok-UNIT-8c0ffee55';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bundle-'));
    const redactor = new Redactor();
    const file = path.join(dir, 'bridge.config.yaml');
    fs.writeFileSync(file, `odoo: { url: 'http://127.0.0.1:9', db: x, username: bot, api_key: { env: ODOO_API_KEY } }
state: { path: '${path.join(dir, 'none.sqlite')}' }
mappings: { dir: '${path.join(dir, 'no-mappings')}' }
targets:
  wms: { preset: shipbob, base_url: 'https://api.example.com/', auth: { type: bearer, token: { env: SHIPBOB_TOKEN } } }
`);
    const loaded = loadConfig({ env: { ODOO_API_KEY: 'key-UNIT-123456', SHIPBOB_TOKEN: token }, file, onSecret: (v) => redactor.add(v) });
    ctx = { loaded, log: silentLog, redactor, odoo: downOdoo };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('Odoo down, no state file, no mappings folder: each section records why, the others are collected, exit 0', async () => {
    const out = sink();
    const file = path.join(dir, 'b.json');
    expect(await runSupportBundle(ctx, ['--out', file], out.stream)).to.equal(0);
    expect(out.text()).to.contain('collecting versions ... failed: connect ECONNREFUSED').and.to.contain('collecting config ... ok');
    const b = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(b.versions).to.deep.equal({ error: 'connect ECONNREFUSED 127.0.0.1:9' });
    expect(b.odoo_queue).to.have.property('error');
    expect(b.state_file).to.deep.equal({ error: `no state file at ${path.join(dir, 'none.sqlite')}` });
    expect(b.mappings).to.have.property('error');
    expect(b.about).to.have.property('sidecar');
    expect(b.config).to.have.nested.property('values.targets.wms.auth.token.env', 'SHIPBOB_TOKEN');
    expect(b.state_backups).to.include({ scheduled: false });
  });

  it('state.backup set: the newest three copies, newest first, with size and time', async () => {
    const backups = path.join(dir, 'backups');
    fs.mkdirSync(backups);
    for (const [i, name] of ['state-20261101T023000Z.sqlite', 'state-20261102T023000Z.sqlite', 'state-20261103T023000Z.sqlite', 'state-20261104T023000Z.sqlite', 'notes.txt'].entries()) fs.writeFileSync(path.join(backups, name), 'x'.repeat(i + 1));
    const file = path.join(dir, 'bridge.config.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(`state: { path: '${path.join(dir, 'none.sqlite')}' }`, `state: { path: '${path.join(dir, 'none.sqlite')}', backup: { dir: '${backups}' } }`));
    ctx.loaded = loadConfig({ env: { ODOO_API_KEY: 'key-UNIT-123456', SHIPBOB_TOKEN: token }, file });
    const out = sink();
    const bundleFile = path.join(dir, 'b.json');
    expect(await runSupportBundle(ctx, ['--out', bundleFile], out.stream)).to.equal(0);
    const b = JSON.parse(fs.readFileSync(bundleFile, 'utf8')) as { state_backups: { scheduled: boolean; newest: Array<{ file: string; bytes: number; modified: string }> } };
    expect(b.state_backups.scheduled).to.equal(true);
    expect(b.state_backups.newest.map((x) => [path.basename(x.file), x.bytes])).to.deep.equal([
      ['state-20261104T023000Z.sqlite', 4], ['state-20261103T023000Z.sqlite', 3], ['state-20261102T023000Z.sqlite', 2],
    ]);
    expect(Date.parse(b.state_backups.newest[0]!.modified)).to.be.a('number').and.not.NaN;
  });

  it('a secret that reaches an error message is scrubbed, though nothing had resolved it before', async () => {
    ctx.odoo = { ...downOdoo, serverVersion: () => Promise.reject(new Error(`proxy said: bad token ${token}`)) } as unknown as OdooGateway;
    const file = path.join(dir, 'b.json');
    const out = sink();
    expect(await runSupportBundle(ctx, ['--out', file], out.stream)).to.equal(0);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).to.contain('proxy said: bad token [REDACTED]').and.not.to.contain(token);
    expect(out.text()).not.to.contain(token);
  });

  it('an unknown argument: usage, exit 2, no file', async () => {
    const out = sink();
    expect(await runSupportBundle(ctx, ['--bogus'], out.stream)).to.equal(2);
    expect(out.text()).to.contain("unexpected argument '--bogus'");
  });
});
