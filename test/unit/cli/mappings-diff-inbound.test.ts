import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { mappingsDiff, type DiffOptions } from '../../../bridge/cli/mappings-diff.js';
import { runMappingsCommand } from '../../../bridge/cli/mappings-command.js';
import { InboundPreparer } from '../../../bridge/inbound/prepare.js';
import { InboxProcessor } from '../../../bridge/inbound/processor.js';
import { InboxStore, type NewInboxMessage } from '../../../bridge/state/inbox-store.js';
import { MappingStore } from '../../../bridge/state/mapping-store.js';
import { MIGRATIONS } from '../../../bridge/state/migrations.js';
import { migrate, openStateStore, type DB } from '../../../bridge/state/state-store.js';
import type { TargetHttpClient } from '../../../bridge/connectors/http/http-client.js';
import { capture, tempDir } from '../../mapping/helpers.js';
import { FakeSink, dealWon, repoRoot, shipment, target } from '../inbound/helpers.js';

const SHIPPED = fs.readFileSync(path.join(repoRoot, 'mappings/shipbob/shipment_confirmed.yaml'), 'utf8');
// The edit: a fixed carrier service, and the substituted SKU no longer reported.
const EDITED = SHIPPED.replace('  carrier_service: { path: tracking.carrier_service, optional: true }\n', '  carrier_service: { const: Ground }\n')
  .replace('      substituted_for_sku: { path: substitute_for, optional: true }\n', '');
// Requires a field ShipBob does not always send: fails messages the running version maps.
const STRICT = SHIPPED.replace('  tracking_url: { path: tracking.tracking_url, optional: true }\n', '  tracking_url: tracking.tracking_url\n');

function sbMessage(id: number, sku = 'MUG-BLUE'): NewInboxMessage {
  const data = shipment(id, `S${id}`);
  Object.assign((data.products as Array<Record<string, unknown>>)[0]!, { reference_id: sku, sku });
  return { source: 'wms_sb', messageId: `shipbob:shipment:${id}`, deliveryId: `msg_${id}`, preset: 'shipbob', topic: 'order.shipped', via: 'webhook', body: JSON.stringify({ type: 'order.shipped', timestamp: '2026-11-21T10:00:00Z', data }) };
}

/** ShipBob's GET /order/9001: MUG-BLUE ordered (a shipment of MUG-RED is its substitute). */
const shipbobApi = {
  request: () => Promise.resolve({ status: 200, headers: {}, body: { id: 9001, reference_id: 'S2', products: [{ reference_id: 'MUG-BLUE', quantity: 2 }], shipments: [] } }),
} as unknown as TargetHttpClient;

describe('mappings diff / preview on inbound mappings: the inbox messages the sidecar received', () => {
  const dir = tempDir({ 'shipbob/shipment_confirmed.yaml': SHIPPED });
  const file = path.join(dir, 'shipbob/shipment_confirmed.yaml');
  const targets = { wms_sb: target('shipbob'), crm_hs: target('hubspot') };
  let db: DB;
  let inbox: InboxStore;
  let versions: MappingStore;
  const ids: Record<string, number> = {};

  before(async () => {
    db = openStateStore(path.join(tempDir({}, 'state-'), 'state.sqlite'));
    inbox = new InboxStore(db);
    versions = new MappingStore(db);
    // As the sidecar runs: the inbound versions recorded, messages prepared (enriched) and applied.
    const preparer = new InboundPreparer(dir, targets, (c) => (c === 'wms_sb' ? shipbobApi : undefined)).useStore(versions);
    // Received before the sidecar kept inputs: applied, no input.
    ids.legacy = inbox.insert(sbMessage(1)).id;
    inbox.finish(ids.legacy, 'applied', { kind: 'shipment', payload: {} });
    ids.plain = inbox.insert(sbMessage(3)).id;
    ids.substitute = inbox.insert(sbMessage(4, 'MUG-RED')).id;
    ids.deal = inbox.insert({ source: 'crm_hs', messageId: 'hubspot:1', preset: 'hubspot', topic: 'deal.propertyChange', via: 'webhook', body: JSON.stringify(dealWon(1)) }).id;
    const proc = new InboxProcessor(inbox, preparer, new FakeSink(), { batchSize: 10, pollMs: 10, backoffBaseMs: 10, backoffMaxMs: 10 });
    expect((await proc.drain()).applied).to.equal(2);
  });
  afterEach(() => fs.writeFileSync(file, SHIPPED));

  const options = (o: Partial<DiffOptions> = {}): DiffOptions => ({
    versionsOf: (f) => versions.versionsOf(f),
    versionByHash: (p) => versions.byHashPrefix(p),
    targetsOfFile: (f) => (path.dirname(path.resolve(f)) === path.join(dir, 'shipbob') ? ['wms_sb'] : []),
    targetContext: (code) => (code === 'wms_sb' ? { vars: {}, preset: 'shipbob' } : code === 'crm_hs' ? { vars: {}, preset: 'hubspot' } : undefined),
    inbox: { recentInputs: (of, limit) => inbox.recentInputs(of, limit), inboxMessage: (id) => inbox.get(id) },
    ...o,
  });

  it('--recent N maps the newest stored inputs (enriched as the sidecar saw them) with the running version and the edit', async () => {
    fs.writeFileSync(file, EDITED);
    const w = capture();
    expect(await mappingsDiff([file, '--recent', '5'], { ...options(), writer: w }), w.text()).to.equal(0);
    const live = versions.versionsOf(file)[0]!;
    expect(w.outs[0]).to.equal(`old: ${live.file}@${live.version.slice(0, 12)} (the version the sidecar loaded last) version ${live.version.slice(0, 12)}`);
    // Newest first; the substitute_for the sidecar read from ShipBob is in the stored input.
    expect(w.outs.slice(2).join('\n')).to.equal([
      `inbox #${ids.substitute} wms_sb order.shipped shipbob:shipment:4: 2 change(s)`,
      '  ~ carrier_service: "Priority Mail" -> "Ground"',
      '  - lines[0].substituted_for_sku: "MUG-BLUE"',
      `inbox #${ids.plain} wms_sb order.shipped shipbob:shipment:3: 1 change(s)`,
      '  ~ carrier_service: "Priority Mail" -> "Ground"',
      '2 message(s): 2 changed, 0 unchanged, 0 now failing, 0 now mapping, 0 failing in both',
    ].join('\n'));
    const w2 = capture();
    expect(await mappingsDiff([file, '--recent', '1'], { ...options(), writer: w2 })).to.equal(0);
    expect(w2.outs.filter((l) => l.startsWith('inbox #'))).to.deep.equal([`inbox #${ids.substitute} wms_sb order.shipped shipbob:shipment:4: 2 change(s)`]);
  });

  it('an edit failing a message the running version maps: NOW FAILING with file:line:col, exit 1; the same text: unchanged', async () => {
    fs.writeFileSync(file, STRICT);
    const w = capture();
    expect(await mappingsDiff([file, '--inbox-id', String(ids.plain)], { ...options(), writer: w })).to.equal(1);
    expect(w.text()).to.contain(`inbox #${ids.plain} wms_sb order.shipped shipbob:shipment:3: NOW FAILING (the running version maps it)`);
    expect(w.text()).to.match(/shipment_confirmed\.yaml:\d+:\d+ fields\.tracking_url: tracking\.tracking_url: missing/);
    fs.writeFileSync(file, SHIPPED);
    const w2 = capture();
    expect(await runMappingsCommand(['diff', file, '--inbox-id', String(ids.plain), '--inbox-id', String(ids.substitute)], { ...options(), writer: w2 })).to.equal(0);
    expect(w2.outs.filter((l) => l.startsWith('inbox #'))).to.deep.equal([
      `inbox #${ids.plain} wms_sb order.shipped shipbob:shipment:3: unchanged`, `inbox #${ids.substitute} wms_sb order.shipped shipbob:shipment:4: unchanged`,
    ]);
  });

  it('--against an older file; the message\'s meta (message_id) comes from the inbox row', async () => {
    const older = path.join(tempDir({ 'older.yaml': EDITED }), 'older.yaml');
    const w = capture();
    expect(await mappingsDiff([file, '--against', older, '--inbox-id', String(ids.substitute)], { ...options(), writer: w })).to.equal(0);
    expect(w.text()).to.contain('  + lines[0].substituted_for_sku: "MUG-BLUE"');
    expect(w.text()).to.not.contain('message_id');
  });

  it('preview --inbox-id prints the canonical payload of a stored message', async () => {
    const w = capture();
    expect(await runMappingsCommand(['preview', file, '--inbox-id', String(ids.substitute)], { ...options(), writer: w })).to.equal(0);
    const payload = JSON.parse(w.outs.join('\n')) as { message_id: string; lines: Array<Record<string, unknown>> };
    expect(payload.message_id).to.equal('shipbob:shipment:4');
    expect(payload.lines[0]).to.include({ sku: 'MUG-RED', substituted_for_sku: 'MUG-BLUE' });
    const w2 = capture();
    expect(await runMappingsCommand(['preview', file, '--inbox-id', String(ids.legacy)], { ...options(), writer: w2 })).to.equal(2);
    expect(w2.text()).to.contain('no mapping input is stored');
  });

  it('refuses with exit 2 and a reason: another topic, no stored input, nothing stored, not inbound, no state file', async () => {
    const outbound = path.join(repoRoot, 'mappings/shipbob/order_release.yaml');
    const empty = new InboxStore(openStateStore(':memory:'));
    const legacyOnly = new InboxStore(openStateStore(':memory:'));
    legacyOnly.finish(legacyOnly.insert(sbMessage(1)).id, 'applied', {});
    const cases: Array<[string[], DiffOptions, string]> = [
      [[file, '--inbox-id', String(ids.deal)], options(), `--inbox-id ${ids.deal}: a hubspot 'deal.propertyChange' message (event deal.approved); ${file} maps order.shipped`],
      [[file, '--inbox-id', String(ids.legacy)], options(), `--inbox-id ${ids.legacy}: no mapping input is stored for it`],
      [[file, '--inbox-id', '999'], options(), '--inbox-id 999: no such message'],
      [[file, '--recent', '3'], options({ inbox: { recentInputs: (of, n) => legacyOnly.recentInputs(of, n), inboxMessage: (id) => legacyOnly.get(id) } }),
        '--recent: none of the 1 inbox message(s) of wms_sb order.shipped has a stored mapping input (received or processed before the sidecar kept inputs, or still pending); map a saved message with --input <file.json>, or a stored one with --inbox-id <N>'],
      [[file, '--recent', '3'], options({ inbox: { recentInputs: (of, n) => empty.recentInputs(of, n), inboxMessage: (id) => empty.get(id) } }), "--recent: the state file's inbox has no message of wms_sb order.shipped"],
      [[file, '--recent', '3'], options({ targetsOfFile: () => [] }), "--recent: no configured target's mappings folder holds"],
      [[file, '--recent', '3', '--target', 'crm_hs'], options(), 'which no inbox topic of target(s) crm_hs (hubspot) is mapped with'],
      [[file, '--recent', '3'], options({ inbox: undefined }), "need the sidecar's state file"],
      [[outbound, '--against', outbound, '--inbox-id', '1'], options(), '--inbox-id maps stored inbox messages: '],
      [[file, '--inbox-id', '0'], options(), '--inbox-id needs a whole number above 0'],
    ];
    for (const [args, o, msg] of cases) {
      const w = capture();
      expect(await mappingsDiff(args, { ...o, writer: w }), args.join(' ')).to.equal(2);
      expect(w.text(), args.join(' ')).to.contain(msg);
    }
  });

  it('migration 6 keeps the inbox rows of a file at schema 5; their input is NULL until prepared again', () => {
    const old = new Database(':memory:');
    for (const m of MIGRATIONS.slice(0, 5)) old.exec(m);
    old.pragma('user_version = 5');
    old.prepare(`INSERT INTO inbox (source, message_id, preset, topic, via, body, received_at, state, payload, done_at)
      VALUES ('wms_sb', 'm1', 'shipbob', 'order.shipped', 'webhook', '{"data":{}}', 1, 'applied', '{"a":1}', 1)`).run();
    migrate(old);
    expect(Number(old.pragma('user_version', { simple: true }))).to.equal(MIGRATIONS.length);
    const store = new InboxStore(old);
    expect(store.get(1)).to.include({ message_id: 'm1', body: '{"data":{}}', payload: '{"a":1}', input: null, state: 'applied' });
    expect(store.recentInputs([{ source: 'wms_sb', topics: ['order.shipped'] }], 5)).to.deep.equal({ rows: [], withoutInput: 1 });
    store.finish(1, 'rejected', { error: 'x', input: { a: [1, 2] } });
    expect(store.get(1)!.input).to.equal('{"a":[1,2]}');
    old.close();
  });
});
