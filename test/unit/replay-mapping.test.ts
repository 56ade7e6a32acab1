import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'yaml';
import { targetSchema } from '../../bridge/config/schema.js';
import { PermanentError } from '../../bridge/errors/index.js';
import type { ClaimedEvent, WebReadSpec } from '../../bridge/odoo/contract.js';
import { MappingRegistry } from '../../bridge/runtime/mapping-registry.js';
import { MappingStore } from '../../bridge/state/mapping-store.js';
import { openStateStore, type DB } from '../../bridge/state/state-store.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const RELEASE = fs.readFileSync(path.join(root, 'mappings/shipbob/order_release.yaml'), 'utf8');
const CANCEL = fs.readFileSync(path.join(root, 'mappings/shipbob/order_cancel.yaml'), 'utf8');
const FIXTURE = (parse(fs.readFileSync(path.join(root, 'mappings/shipbob/fixtures/order_release.yaml'), 'utf8')) as { cases: Array<{ input: Record<string, unknown>; vars?: Record<string, unknown> }> }).cases[0]!;
const V2 = RELEASE.replace(/^ {2}order_number: name$/m, '  order_number: { concat: [{ const: "V2-" }, name] }');

const targets = { wms: targetSchema.parse({ preset: 'shipbob', base_url: 'https://api.example.com/', auth: { type: 'bearer', token: { env: 'T' } }, options: { vars: FIXTURE.vars ?? {} } }) };

function mappingsDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-replay-'));
  fs.mkdirSync(path.join(dir, 'shipbob'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'shipbob', name), text);
  return dir;
}

function event(extra: Partial<ClaimedEvent> = {}): ClaimedEvent {
  return {
    id: 7, target: 'wms', event_type: 'release', model: 'sale.order', res_id: 42, aggregate_key: 'sale.order,42',
    idempotency_key: 'wms:sale.order:42:release:x', attempts: 1, lease_token: 't', lease_expires_at: '2026-01-01 00:00:00',
    trace_id: 'trace', created_at: '2026-01-01 00:00:00', mapping_version: false, external_ref: false,
    record: structuredClone(FIXTURE.input), ...extra,
  };
}

async function mappingError(p: Promise<unknown>): Promise<PermanentError> {
  try { await p; } catch (err) {
    expect(err).to.be.instanceOf(PermanentError);
    expect((err as PermanentError).category).to.equal('mapping');
    return err as PermanentError;
  }
  throw new Error('expected a mapping error');
}

describe('mapping registry: replays pinned to the mapping version an event was sent with', () => {
  let db: DB;
  let v1: string;
  let registry: MappingRegistry;

  beforeEach(async () => {
    db = openStateStore(':memory:');
    // first start: mapping v1 is loaded (and kept in the state file)
    const first = new MappingRegistry(mappingsDir({ 'order_release.yaml': RELEASE, 'order_cancel.yaml': CANCEL }), targets).useStore(new MappingStore(db));
    const sent = await first.map(event());
    expect(sent.payload.order_number).to.equal('S00042');
    v1 = sent.mappingVersion;
    // the mapping file changes, the sidecar restarts with v2 (same state file)
    registry = new MappingRegistry(mappingsDir({ 'order_release.yaml': V2 }), targets).useStore(new MappingStore(db));
  });

  it('keeps every loaded version in the state file', () => {
    const rows = db.prepare('SELECT version, file, system FROM mapping_source ORDER BY first_loaded_at, version').all() as Array<{ version: string; file: string; system: string }>;
    expect(rows.map((r) => r.version)).to.include(v1);
    expect(rows).to.have.length(3); // release v1, cancel, release v2
    expect(rows.every((r) => r.system === 'shipbob')).to.equal(true);
  });

  it('maps with the current mapping when nothing is pinned, with the stored version when pinned', async () => {
    const current = await registry.map(event());
    expect(current.payload.order_number).to.equal('V2-S00042');
    expect(current.mappingVersion).not.to.equal(v1);
    const pinned = await registry.map(event({ replay_mapping_version: v1 }));
    expect(pinned.payload.order_number).to.equal('S00042');
    expect(pinned.mappingVersion).to.equal(v1);
    expect(pinned.payload.reference_id).to.equal(current.payload.reference_id);
    // compiled once, then cached
    expect(registry.pinned(v1, event())).to.equal(registry.pinned(v1, event()));
    // a pin equal to the current version uses the current mapping
    expect((await registry.map(event({ replay_mapping_version: current.mappingVersion }))).payload.order_number).to.equal('V2-S00042');
  });

  it('fails permanently (category mapping) on a version this sidecar never loaded: no fallback', async () => {
    const err = await mappingError(registry.map(event({ replay_mapping_version: 'f'.repeat(64) })));
    expect(err.message).to.match(/mapping version f{64} .*unknown to this sidecar/);
    // the same without a state file
    const bare = new MappingRegistry(mappingsDir({ 'order_release.yaml': V2 }), targets);
    await mappingError(bare.map(event({ replay_mapping_version: v1 })));
  });

  it('refuses a pinned version that does not serve the event', async () => {
    const cancelVersion = (db.prepare("SELECT version FROM mapping_source WHERE file LIKE '%order_cancel.yaml'").get() as { version: string }).version;
    const err = await mappingError(registry.map(event({ replay_mapping_version: cancelVersion })));
    expect(err.message).to.match(/does not serve sale\.order 'release' events of target 'wms'/);
  });

  it('reads the record again when the pinned version needs fields the current mappings do not read', async () => {
    const withRef = RELEASE.replace(/^ {2}order_number: name$/m, '  order_number: client_order_ref');
    const db2 = openStateStore(':memory:');
    const old = new MappingRegistry(mappingsDir({ 'order_release.yaml': withRef }), targets).useStore(new MappingStore(db2));
    const oldVersion = (await old.map(event({ record: { ...structuredClone(FIXTURE.input), client_order_ref: 'PO-1' } }))).mappingVersion;
    const reads: Array<{ model: string; id: number; spec: WebReadSpec }> = [];
    const source = {
      links: async () => [],
      read: async (model: string, id: number, spec: WebReadSpec) => { reads.push({ model, id, spec }); return { ...structuredClone(FIXTURE.input), client_order_ref: 'PO-9' }; },
    };
    const now = new MappingRegistry(mappingsDir({ 'order_release.yaml': RELEASE }), targets, source).useStore(new MappingStore(db2));
    expect(now.specs(['wms'])['sale.order']).not.to.have.property('client_order_ref');
    const mapped = await now.map(event({ replay_mapping_version: oldVersion }));
    expect(mapped.payload.order_number).to.equal('PO-9');
    expect(reads).to.have.length(1);
    expect(reads[0]!.spec).to.have.property('client_order_ref');
    // unpinned: no extra read
    await now.map(event());
    expect(reads).to.have.length(1);
  });
});
