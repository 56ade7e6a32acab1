import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createContext, type AppContext } from '../../../bridge/app/context.js';
import { Inbound } from '../../../bridge/inbound/index.js';
import { createLogger, type Logger } from '../../../bridge/log/logger.js';
import { REDACTED } from '../../../bridge/log/redact.js';
import { BridgeMetrics } from '../../../bridge/runtime/metrics.js';
import { createServer } from '../../../bridge/server/create-server.js';
import {
  dealWon, FakeSink, HUBSPOT_SECRET, hubspotDelivery, post, repoRoot, SHIPBOB_SECRET, shipbobDelivery, shipment, tempDb, WMS_SECRET, wmsDelivery, wmsShipped,
} from './helpers.js';

/** webhook_secret_previous (rotation): the old secret is accepted next to the new one while it is set. */
const NEW = { wms_sb: SHIPBOB_SECRET, crm_hs: HUBSPOT_SECRET, wms_gen: WMS_SECRET };
const OLD = { wms_sb: `whsec_${Buffer.from('fedcba9876543210fedcba9876543210').toString('base64')}`, crm_hs: 'hubspot-app-secret-before-rotation', wms_gen: 'wms-shared-secret-before-rotation-32-bytes' };
const OTHER = { wms_sb: `whsec_${Buffer.from('an-unrelated-secret-an-unrelated').toString('base64')}`, crm_hs: 'not-the-app-secret', wms_gen: 'x'.repeat(40) };
type Code = keyof typeof NEW;

interface Sidecar { url: string; ctx: AppContext; inbound: Inbound; log: Logger; lines: string[]; close: () => Promise<void> }

/** The sidecar's inbound side as `sync-bridge start` wires it: config file -> createContext -> Inbound.mount -> createServer. */
async function startSidecar(rotating: boolean): Promise<Sidecar> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-rotation-'));
  const file = path.join(dir, 'bridge.config.yaml');
  const targets = ([['wms_sb', 'shipbob', 'SB'], ['crm_hs', 'hubspot', 'HS'], ['wms_gen', 'generic_wms', 'GEN']] as const).map(([code, preset, env]) => [
    `  ${code}:`, `    preset: ${preset}`, '    base_url: http://127.0.0.1:9/', '    auth: { type: bearer, token: { env: API_TOKEN } }',
    `    webhook_secret: { env: ${env}_WEBHOOK_SECRET }`, ...(rotating ? [`    webhook_secret_previous: { secret: ${code}_previous }`] : []),
  ].join('\n'));
  fs.writeFileSync(file, `targets:\n${targets.join('\n')}\n`);
  const secretsFile = path.join(dir, 'secrets.yaml');
  fs.writeFileSync(secretsFile, Object.entries(OLD).map(([code, v]) => `${code}_previous: '${v}'`).join('\n'));
  const ctx = createContext({
    configFile: file,
    env: {
      ODOO_URL: 'http://127.0.0.1:9', ODOO_DB: 'd', ODOO_USERNAME: 'u', ODOO_API_KEY: 'odoo-key-123', API_TOKEN: 'api-token-123',
      SB_WEBHOOK_SECRET: NEW.wms_sb, HS_WEBHOOK_SECRET: NEW.crm_hs, GEN_WEBHOOK_SECRET: NEW.wms_gen,
      BRIDGE_SECRETS_FILE: secretsFile, BRIDGE_MAPPINGS_DIR: path.join(repoRoot, 'mappings'),
    },
  });
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } });
  const log = createLogger({ level: 'debug', format: 'json', redactor: ctx.redactor, stream });
  const { db } = tempDb();
  const metrics = new BridgeMetrics();
  const inbound = new Inbound({ config: ctx.loaded.config, secret: (ref, key) => ctx.loaded.secret(ref, key), connectors: new Map(), sink: new FakeSink(), db, metrics, log });
  const app = createServer({ metrics, readiness: { check: async () => ({ ready: true, odoo: 'ok', mappings: '', targets: {} }) }, mount: (a, requireAdmin) => inbound.mount(a, requireAdmin) });
  const server: Server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ctx, inbound, log, lines,
    close: async () => { await new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }); db.close(); },
  };
}

let seq = 9000;
const VENDORS: Array<{ name: string; code: Code; signed: (url: string, secret: string, stale?: boolean) => { headers: Record<string, string>; body: string } }> = [
  { name: 'ShipBob (Standard Webhooks)', code: 'wms_sb', signed: (_url, secret, stale) => shipbobDelivery(shipment(++seq), { secret, ...(stale ? { at: new Date(Date.now() - 6 * 60_000) } : {}) }) },
  { name: 'HubSpot (signature v3)', code: 'crm_hs', signed: (url, secret, stale) => hubspotDelivery(url, [dealWon(++seq)], { secret, ...(stale ? { ts: Date.now() - 6 * 60_000 } : {}) }) },
  { name: 'generic WMS (sha256 HMAC)', code: 'wms_gen', signed: (_url, secret, stale) => wmsDelivery('shipment.shipped', wmsShipped(), { secret, ...(stale ? { ts: Date.now() - 6 * 60_000 } : {}) }) },
];

describe('webhook secret rotation: webhook_secret_previous is accepted as well while set', () => {
  let rotating: Sidecar;
  let single: Sidecar;
  before(async () => { rotating = await startSidecar(true); single = await startSidecar(false); });
  after(async () => { await rotating.close(); await single.close(); });
  beforeEach(() => { rotating.lines.length = 0; single.lines.length = 0; });

  const stored = (s: Sidecar, code: Code) => s.inbound.store.list({ source: code, limit: 1000 }).length;
  /** The answer and the log line of a refused delivery, with the server's own address taken out. */
  const refusal = (s: Sidecar, r: { status: number; json: Record<string, unknown> }, code: Code) => ({
    status: r.status,
    body: JSON.stringify(r.json).split(s.url).join('<url>'),
    log: s.lines.map((l) => JSON.parse(l) as { level: string; message: string }).filter((l) => l.message.startsWith(`webhook ${code}:`)).map((l) => `${l.level} ${l.message.split(s.url).join('<url>')}`),
  });

  for (const v of VENDORS) {
    describe(v.name, () => {
      const url = (s: Sidecar) => `${s.url}/webhooks/${v.code}`;

      it('signed with webhook_secret_previous -> 200, stored; the log says the vendor still signs with the previous secret', async () => {
        const before = stored(rotating, v.code);
        const r = await post(url(rotating), v.signed(url(rotating), OLD[v.code]));
        expect(r.status).to.equal(200);
        expect(r.json).to.include({ accepted: true, duplicate: false });
        expect(stored(rotating, v.code)).to.equal(before + 1);
        expect(rotating.lines.join('')).to.contain(`webhook ${v.code}: signature matches webhook_secret_previous`);
      });

      it('signed with webhook_secret (the new one) -> 200, stored, no note about the previous secret', async () => {
        const before = stored(rotating, v.code);
        const r = await post(url(rotating), v.signed(url(rotating), NEW[v.code]));
        expect(r.status).to.equal(200);
        expect(stored(rotating, v.code)).to.equal(before + 1);
        expect(rotating.lines.join('')).not.to.contain('webhook_secret_previous');
      });

      it('signed with neither -> 401 bad_signature, nothing stored; the same answer and log line as with one secret', async () => {
        const before = stored(rotating, v.code);
        const r = await post(url(rotating), v.signed(url(rotating), OTHER[v.code]));
        expect(r.status).to.equal(401);
        expect((r.json.error as { code: string }).code).to.equal('bad_signature');
        expect(stored(rotating, v.code)).to.equal(before);
        const one = await post(url(single), v.signed(url(single), OTHER[v.code]));
        expect(refusal(rotating, r, v.code)).to.deep.equal(refusal(single, one, v.code));
        expect(refusal(rotating, r, v.code).log).to.have.length(1);
      });

      it('the previous secret does not lift the timestamp check: stale -> 401 stale_timestamp', async () => {
        const r = await post(url(rotating), v.signed(url(rotating), OLD[v.code], true));
        expect(r.status).to.equal(401);
        expect((r.json.error as { code: string }).code).to.equal('stale_timestamp');
      });

      it('without webhook_secret_previous (unchanged): the old secret -> 401 bad_signature, the current one -> 200', async () => {
        const before = stored(single, v.code);
        const old = await post(url(single), v.signed(url(single), OLD[v.code]));
        expect(old.status).to.equal(401);
        expect((old.json.error as { code: string }).code).to.equal('bad_signature');
        expect(stored(single, v.code)).to.equal(before);
        expect((await post(url(single), v.signed(url(single), NEW[v.code]))).status).to.equal(200);
      });
    });
  }

  it('the log redactor masks webhook_secret_previous (and webhook_secret) of every target; no log line carries either', async () => {
    for (const code of Object.keys(OLD) as Code[]) {
      expect(rotating.ctx.redactor.redactString(`x ${OLD[code]} y`), code).to.equal(`x ${REDACTED} y`);
      expect(rotating.ctx.redactor.redactString(`x ${NEW[code]} y`), code).to.equal(`x ${REDACTED} y`);
    }
    for (const v of VENDORS) {
      await post(`${rotating.url}/webhooks/${v.code}`, v.signed(`${rotating.url}/webhooks/${v.code}`, OLD[v.code]));
      await post(`${rotating.url}/webhooks/${v.code}`, v.signed(`${rotating.url}/webhooks/${v.code}`, OTHER[v.code]));
    }
    rotating.log.warn(`a message that quotes ${OLD.crm_hs} and ${OLD.wms_gen}`, { detail: OLD.wms_sb });
    const text = rotating.lines.join('');
    expect(text).to.contain(REDACTED);
    for (const code of Object.keys(OLD) as Code[]) {
      expect(text).not.to.contain(OLD[code]);
      expect(text).not.to.contain(NEW[code]);
    }
  });
});
