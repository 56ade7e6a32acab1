import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { expect } from 'chai';
import { Clock } from './common/clock.js';
import { Ledger } from './common/ledger.js';
import { SlidingWindowLimiter } from './common/rate-limit.js';
import { FAKE_KINDS, startFake, type GenericWmsFake } from './start.js';
import { call, fetchErrorCode } from './test-helpers.js';

const KEY = { 'x-api-key': 'wms-test-key' };

describe('fakes/common', () => {
  describe('SlidingWindowLimiter', () => {
    it('allows `limit` per window per key and slides', () => {
      const clock = new Clock();
      const l = new SlidingWindowLimiter(3, 1000, clock);
      expect([1, 2, 3].map(() => l.take('a').allowed)).to.deep.equal([true, true, true]);
      const d = l.take('a');
      expect(d.allowed).to.equal(false);
      expect(d.retryAfterMs).to.be.within(1, 1000);
      expect(l.take('b').allowed, 'other key has its own window').to.equal(true);
      clock.advance(1001);
      expect(l.take('a').allowed).to.equal(true);
    });
  });

  describe('Ledger', () => {
    it('counts effects per key and resource', () => {
      const l = new Ledger();
      l.effect('create', 'order', 'SO1', '1');
      l.effect('duplicate_rejected', 'order', 'SO1');
      l.effect('create', 'product', 'SO1', '2');
      expect(l.createsFor('SO1')).to.equal(2);
      expect(l.createsFor('SO1', 'order')).to.equal(1);
      expect(l.duplicatesRejectedFor('SO1', 'order')).to.equal(1);
      expect(l.createsFor('SO2')).to.equal(0);
    });
  });

  describe('startFake', () => {
    for (const kind of FAKE_KINDS) {
      it(`starts ${kind} on 127.0.0.1 with a free port and closes`, async () => {
        const fake = await startFake(kind);
        try {
          expect(fake.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
          const h = await call(`${fake.url}/__control/health`);
          expect(h.json).to.include({ kind, ok: true });
        } finally {
          await fake.close();
        }
        expect(await fetchErrorCode(fetch(`${fake.url}/__control/health`))).to.equal('ECONNREFUSED');
      });
    }
  });

  describe('fault injection (programmatic)', () => {
    let fake: GenericWmsFake;
    const stock = () => `${fake.baseUrl}/stock`;
    beforeEach(async () => {
      fake = await startFake('generic-wms');
    });
    afterEach(async () => {
      await fake.close();
    });

    it('down refuses connections and up restores the same port', async () => {
      await fake.faults.down();
      expect(await fetchErrorCode(fetch(stock(), { headers: KEY }))).to.equal('ECONNREFUSED');
      await fake.faults.up();
      expect((await call(stock(), { headers: KEY })).status).to.equal(200);
    });

    it('down with a duration comes back by itself', async () => {
      await fake.faults.down(100);
      expect(await fetchErrorCode(fetch(stock(), { headers: KEY }))).to.equal('ECONNREFUSED');
      await new Promise((r) => setTimeout(r, 200));
      expect((await call(stock(), { headers: KEY })).status).to.equal(200);
    });

    it('next5xx answers N requests with the vendor error body, then recovers', async () => {
      fake.faults.next5xx(2, 503);
      const a = await call(stock(), { headers: KEY });
      const b = await call(stock(), { headers: KEY });
      const c = await call(stock(), { headers: KEY });
      expect([a.status, b.status, c.status]).to.deep.equal([503, 503, 200]);
      expect(a.json).to.deep.equal({ error: { code: 'unavailable', message: 'Service temporarily unavailable' } });
      expect(fake.ledger.requests.map((r) => r.fault ?? null)).to.deep.equal(['5xx', '5xx', null]);
    });

    it('ratio5xx fails a deterministic share of requests', async () => {
      fake.faults.ratio5xx(0.5);
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await call(stock(), { headers: KEY })).status);
      expect(statuses.filter((s) => s === 500)).to.have.length(3);
    });

    it('next429 answers with the vendor 429 and Retry-After', async () => {
      fake.faults.next429(1);
      const a = await call(stock(), { headers: KEY });
      expect(a.status).to.equal(429);
      expect(a.headers.get('retry-after')).to.equal('1');
      expect((await call(stock(), { headers: KEY })).status).to.equal(200);
    });

    it('slow delays answers', async () => {
      fake.faults.slow(150);
      const t = Date.now();
      expect((await call(stock(), { headers: KEY })).status).to.equal(200);
      expect(Date.now() - t).to.be.at.least(140);
    });

    it('timeout accepts and never answers; reset releases', async () => {
      fake.faults.timeout(1);
      const code = await fetchErrorCode(fetch(stock(), { headers: KEY, signal: AbortSignal.timeout(200) }));
      expect(code).to.match(/TimeoutError|AbortError|23/);
      expect(fake.ledger.requests[0]!.status).to.equal(null);
      expect(fake.ledger.requests[0]!.fault).to.equal('timeout');
      expect((await call(stock(), { headers: KEY })).status).to.equal(200);
    });

    it('drop resets the connection', async () => {
      fake.faults.drop(1);
      expect(await fetchErrorCode(fetch(stock(), { headers: KEY }))).to.match(/ECONNRESET|UND_ERR_SOCKET|other side closed/);
      expect((await call(stock(), { headers: KEY })).status).to.equal(200);
    });

    it('reset clears every fault', async () => {
      fake.faults.next5xx(5);
      fake.faults.slow(500);
      await fake.faults.reset();
      expect(fake.faults.state()).to.include({ next5xx: 0, slowMs: 0, down: false });
      expect((await call(stock(), { headers: KEY })).status).to.equal(200);
    });

    it('faults never touch /__control/ and control requests are not in the ledger', async () => {
      fake.faults.next5xx(10);
      expect((await call(`${fake.url}/__control/health`)).status).to.equal(200);
      expect(fake.ledger.requests).to.have.length(0);
    });
  });

  describe('fault injection over HTTP', () => {
    it('drives faults, ledger and reset through /__control/, and a control port survives down', async () => {
      const fake = await startFake('generic-wms', { controlPort: 0 });
      try {
        expect(fake.controlUrl).to.not.equal(fake.url);
        const ctl = (p: string, body?: unknown) => call(`${fake.controlUrl}/__control${p}`, { method: 'POST', body: body ?? {} });
        expect((await ctl('/faults/next5xx', { n: 1, status: 502 })).status).to.equal(200);
        expect((await call(`${fake.baseUrl}/stock`, { headers: KEY })).status).to.equal(502);
        await ctl('/faults/down');
        await new Promise((r) => setTimeout(r, 50));
        expect(await fetchErrorCode(fetch(`${fake.baseUrl}/stock`, { headers: KEY }))).to.equal('ECONNREFUSED');
        expect((await call(`${fake.controlUrl}/__control/faults`)).json.down).to.equal(true);
        await ctl('/faults/up');
        expect((await call(`${fake.baseUrl}/stock`, { headers: KEY })).status).to.equal(200);
        const ledger = await call(`${fake.controlUrl}/__control/ledger`);
        expect(ledger.json.requests.map((r: { status: number }) => r.status)).to.deep.equal([502, 200]);
        await ctl('/reset');
        expect((await call(`${fake.controlUrl}/__control/ledger`)).json.requests).to.have.length(0);
        expect((await ctl('/faults/bogus')).status).to.equal(404);
      } finally {
        await fake.close();
      }
    });
  });

  describe('CLI', () => {
    it('serve.js prints its URLs and serves until SIGTERM', async function () {
      this.timeout(10_000);
      const here = path.dirname(fileURLToPath(import.meta.url));
      const child = spawn(process.execPath, [path.join(here, 'serve.js'), 'generic-wms', '--port', '0', '--token', 'k1'], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const line = await new Promise<string>((resolve, reject) => {
          let buf = '';
          child.stdout.on('data', (c: Buffer) => {
            buf += c.toString();
            if (buf.includes('\n')) resolve(buf.split('\n')[0]!);
          });
          child.on('exit', (code) => reject(new Error(`exited ${code}`)));
        });
        const info = JSON.parse(line) as { baseUrl: string; apiKey: string };
        expect(info.apiKey).to.equal('k1');
        expect((await call(`${info.baseUrl}/stock`, { headers: { 'x-api-key': 'k1' } })).status).to.equal(200);
      } finally {
        child.kill('SIGTERM');
      }
    });
  });
});
