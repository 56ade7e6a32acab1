import { expect } from 'chai';
import path from 'node:path';
import { mappingsDiff, type DiffOptions, type KnownVersion } from '../../../bridge/cli/mappings-diff.js';
import { mappingsPreview } from '../../../bridge/cli/mappings-preview.js';
import { diffPayloads, formatChange } from '../../../bridge/cli/payload-diff.js';
import { compileMapping, type LookupRequest } from '../../../bridge/mapping/index.js';
import { openStateStore } from '../../../bridge/state/state-store.js';
import { MappingStore } from '../../../bridge/state/mapping-store.js';
import { DeliveryLog } from '../../../bridge/state/delivery-log.js';
import { runMappingsCommand } from '../../../bridge/cli/mappings-command.js';
import { capture, tempDir } from '../../mapping/helpers.js';



const OLD = `direction: outbound
source: sale.order
system: test
events: [release]
output: test.order
fields:
  ref: name
  warehouse: $vars.wh
  lines:
    each: order_line
    fields:
      sku: product_id.default_code
      qty: product_uom_qty
`;
// The edit: quantities rounded, a new field, the warehouse dropped.
const NEW = OLD.replace('      qty: product_uom_qty\n', '      qty: { path: product_uom_qty, pipe: [{ round: 0 }] }\n')
  .replace('  warehouse: $vars.wh\n', '  note: { path: note, optional: true }\n');
// Reads a field the records do not always have: fails where the old one mapped.
const STRICT = OLD.replace('  ref: name\n', '  ref: name\n  carrier: carrier_id.name\n');

const ORDER = (id: number, qty: number, extra: Record<string, unknown> = {}) => ({
  id, name: `S${id}`, note: false, order_line: [{ id: id * 10, product_id: { id: 5, default_code: 'A' }, product_uom_qty: qty }], ...extra,
});

describe('payload diff (mappings diff)', () => {
  it('lists added, removed and changed values by their path, lists by position', () => {
    const d = diffPayloads(
      { ref: 'S1', wh: 3, lines: [{ sku: 'A', qty: 1.5 }, { sku: 'B', qty: 1 }], 'odd key': 1 },
      { ref: 'S1', lines: [{ sku: 'A', qty: 2 }], note: 'x', 'odd key': 2 },
    );
    expect(d.truncated).to.equal(false);
    expect(d.changes.map((c) => formatChange(c))).to.deep.equal([
      '- wh: 3',
      '~ lines[0].qty: 1.5 -> 2',
      '- lines[1]: {"sku":"B","qty":1}',
      '~ "odd key": 1 -> 2',
      '+ note: "x"',
    ]);
  });
  it('same payloads give no change; a type change is a change ("1" vs 1, null vs absent)', () => {
    expect(diffPayloads({ a: [1, { b: null }] }, { a: [1, { b: null }] }).changes).to.deep.equal([]);
    expect(diffPayloads({ a: '1' }, { a: 1 }).changes.map((c) => formatChange(c))).to.deep.equal(['~ a: "1" -> 1']);
    expect(diffPayloads({ a: null }, {}).changes.map((c) => formatChange(c))).to.deep.equal(['- a: null']);
    expect(diffPayloads([1], { 0: 1 }).changes.map((c) => formatChange(c))).to.deep.equal(['~ (payload): [1] -> {"0":1}']);
  });
  it('stops at max changes and says so; long values are cut', () => {
    const a = Array.from({ length: 30 }, (_, i) => i);
    const d = diffPayloads(a, a.map((x) => x + 1), 10);
    expect(d.changes).to.have.length(10);
    expect(d.truncated).to.equal(true);
    expect(formatChange({ op: '+', path: 'x', after: 'y'.repeat(200) }, 20)).to.equal(`+ x: "${'y'.repeat(18)}…`);
  });
});

describe('mappings diff', () => {
  const dir = tempDir({
    'wms/order_release.yaml': NEW,
    'old.yaml': OLD,
    'strict.yaml': STRICT,
    'other.yaml': OLD.replace('source: sale.order', 'source: res.partner').replace(/lines:[\s\S]*/, ''),
    'in1.json': JSON.stringify(ORDER(1, 1.6)),
    'bad.yaml': OLD.replace('ref: name', 'ref: { path: name, pipe: [roud] }'),
  });
  const file = path.join(dir, 'wms/order_release.yaml');
  const oldCompiled = compileMapping(OLD, 'old.yaml');
  if (!oldCompiled.ok) throw new Error('fixture');
  const live: KnownVersion = { version: oldCompiled.mapping.version, file: 'mappings/wms/order_release.yaml', source: OLD };
  const records: Record<number, unknown> = { 7: ORDER(7, 2.4), 8: ORDER(8, 3), 9: ORDER(9, 1, { carrier_id: { id: 1, name: 'UPS' } }) };

  function options(reads: Array<[string, number, unknown]> = []): DiffOptions {
    return {
      readRecord: (model, id, spec) => { reads.push([model, id, spec]); return Promise.resolve(records[id]); },
      odooSeries: () => Promise.resolve(18),
      versionsOf: (f) => (path.basename(f) === 'order_release.yaml' ? [live] : []),
      versionByHash: (p) => (live.version.startsWith(p) ? live : undefined),
      recentRecords: (versions, limit) => (versions.includes(live.version) ? [{ model: 'sale.order', res_id: 8, target: 'wms', event_type: 'release' }, { model: 'sale.order', res_id: 7, target: 'wms', event_type: 'release' }].slice(0, limit) : []),
      targetOfFile: () => 'wms',
      targetContext: (code) => (code === 'wms' ? { vars: { wh: 3 } } : undefined),
    };
  }

  it('compares the edited file with the version the sidecar loaded, on Odoo records, with the target\'s vars', async () => {
    const w = capture();
    const reads: Array<[string, number, unknown]> = [];
    expect(await mappingsDiff([file, '--record', 'sale.order:7', '--record', 'sale.order:8'], { ...options(reads), writer: w })).to.equal(0);
    expect(w.outs[0]).to.equal(`old: mappings/wms/order_release.yaml@${live.version.slice(0, 12)} (the version the sidecar loaded last) version ${live.version.slice(0, 12)}`);
    expect(w.outs).to.include('target: wms (its vars)');
    expect(w.outs.join('\n')).to.contain(['sale.order:7: 2 change(s)', '  - warehouse: 3', '  ~ lines[0].qty: 2.4 -> 2', 'sale.order:8: 1 change(s)', '  - warehouse: 3'].join('\n'));
    expect(w.outs.at(-1)).to.equal('2 record(s): 2 changed, 0 unchanged, 0 now failing, 0 now mapping, 0 failing in both');
    // Each version reads the record with its own spec (the new one also reads `note`).
    expect(reads.filter(([, id]) => id === 7).map(([, , spec]) => Object.keys(spec as object).sort())).to.deep.equal([['name', 'order_line'], ['name', 'note', 'order_line']]);
  });

  it('an edit that fails a record the running version maps exits 1 and shows the error with file:line:col', async () => {
    const w = capture();
    const strict = path.join(dir, 'strict.yaml');
    const code = await mappingsDiff([strict, '--against', path.join(dir, 'old.yaml'), '--record', 'sale.order:8', '--record', 'sale.order:9'], { ...options(), writer: w });
    expect(code).to.equal(1);
    expect(w.text()).to.contain('sale.order:8: NOW FAILING (the running version maps it)');
    expect(w.text()).to.match(/strict\.yaml:\d+:\d+ fields\.carrier: carrier_id\.name: missing/);
    expect(w.text()).to.contain('sale.order:9: 1 change(s)');
    expect(w.outs.at(-1)).to.equal('2 record(s): 1 changed, 0 unchanged, 1 now failing, 0 now mapping, 0 failing in both');
  });

  it('--against a version hash prefix from the state file, and the other way round (now mapping)', async () => {
    const w = capture();
    const strict = path.join(dir, 'strict.yaml');
    // Against the stored old version, the strict file fails 8; an unchanged copy is unchanged.
    expect(await mappingsDiff([path.join(dir, 'old.yaml'), '--against', live.version.slice(0, 10), '--record', 'sale.order:8'], { ...options(), writer: w })).to.equal(0);
    expect(w.text()).to.contain('(the same version: only comments or layout differ)');
    expect(w.text()).to.contain('sale.order:8: unchanged');
    const w2 = capture();
    expect(await mappingsDiff([path.join(dir, 'old.yaml'), '--against', strict, '--record', 'sale.order:8'], { ...options(), writer: w2 })).to.equal(0);
    expect(w2.text()).to.contain('sale.order:8: now mapping (the running version failed: missing');
  });

  it('--recent N maps the records last delivered with any loaded version of the file', async () => {
    const w = capture();
    expect(await mappingsDiff([file, '--recent', '1'], { ...options(), writer: w })).to.equal(0);
    expect(w.outs.filter((l) => /^sale\.order:\d+:/.test(l))).to.deep.equal(['sale.order:8: 1 change(s)']);
    const w2 = capture();
    expect(await mappingsDiff([path.join(dir, 'strict.yaml'), '--recent', '5'], { ...options(), writer: w2, versionsOf: () => [] , recentRecords: () => [] })).to.equal(2);
    expect(w2.text()).to.contain('no version of');
  });

  it('--input JSON files need no Odoo', async () => {
    const w = capture();
    expect(await mappingsDiff([file, '--against', path.join(dir, 'old.yaml'), '--input', path.join(dir, 'in1.json'), '--var', 'wh=4'], { writer: w })).to.equal(0);
    expect(w.text()).to.contain('~ lines[0].qty: 1.6 -> 2');
    expect(w.text()).to.contain('- warehouse: 4');
  });

  it('refuses what it cannot compare, with exit 2 and a reason', async () => {
    const cases: Array<[string[], DiffOptions, string]> = [
      [[file], options(), 'give the records to map'],
      [[file, '--record', 'sale.order:1'], { ...options(), versionsOf: () => [] }, 'no version of'],
      [[file, '--record', 'res.partner:1'], options(), '--record res.partner does not apply'],
      [[file, '--record', 'sale.order:x'], options(), '--record expects <model>:<id>'],
      [[file, '--record', 'sale.order:1'], { versionsOf: options().versionsOf! }, 'need a connection to Odoo'],
      [[file, '--against', 'abcdef0123', '--input', path.join(dir, 'in1.json')], options(), 'no mapping version starting with it'],
      [[file, '--against', path.join(dir, 'other.yaml'), '--input', path.join(dir, 'in1.json')], options(), 'nothing to compare'],
      [[file, '--recent', '0'], options(), '--recent needs a whole number above 0'],
      [[file, '--input', path.join(dir, 'in1.json'), '--target', 'nope'], options(), '--target nope: no such target'],
      [[file, '--against', path.join(dir, 'missing.yaml'), '--input', path.join(dir, 'in1.json')], options(), 'cannot read'],
    ];
    for (const [args, o, msg] of cases) {
      const w = capture();
      expect(await mappingsDiff(args, { ...o, writer: w }), args.join(' ')).to.equal(2);
      expect(w.text(), args.join(' ')).to.contain(msg);
    }
  });

  it('a file that does not compile prints its issues and exits 1; dispatched as `mappings diff`', async () => {
    const w = capture();
    expect(await runMappingsCommand(['diff', path.join(dir, 'bad.yaml'), '--against', path.join(dir, 'old.yaml'), '--input', path.join(dir, 'in1.json')], { writer: w })).to.equal(1);
    expect(w.text()).to.contain("unknown function 'roud'");
  });
});

describe('mappings preview --target (the target\'s vars and sync.link references)', () => {
  const dir = tempDir({
    'x.yaml': OLD + '  ext: { external_id: { model: sale.order, of: id } }\n',
    'in.json': JSON.stringify(ORDER(4, 1)),
  });
  it('maps with the vars of the target and its links, --var wins', async () => {
    const asked: LookupRequest[][] = [];
    const targetContext = (code: string) => (code === 'wms' ? {
      vars: { wh: 3, other: 1 },
      resolveLookups: (reqs: LookupRequest[]) => { asked.push(reqs); return Promise.resolve({ toExternal: () => 'E-4', fromExternal: () => undefined }); },
    } : undefined);
    const w = capture();
    expect(await mappingsPreview([path.join(dir, 'x.yaml'), '--input', path.join(dir, 'in.json'), '--target', 'wms'], { writer: w, targetContext })).to.equal(0);
    expect(JSON.parse(w.outs.join('\n'))).to.deep.include({ warehouse: 3, ext: 'E-4' });
    expect(asked).to.deep.equal([[{ kind: 'to_external', system: 'test', model: 'sale.order', id: 4 }]]);
    const w2 = capture();
    expect(await mappingsPreview([path.join(dir, 'x.yaml'), '--input', path.join(dir, 'in.json'), '--target', 'wms', '--var', 'wh=9'], { writer: w2, targetContext })).to.equal(0);
    expect(JSON.parse(w2.outs.join('\n'))).to.deep.include({ warehouse: 9 });
    const w3 = capture();
    expect(await mappingsPreview([path.join(dir, 'x.yaml'), '--input', path.join(dir, 'in.json'), '--target', 'crm'], { writer: w3, targetContext })).to.equal(2);
    expect(w3.errs.join('\n')).to.contain('--target crm: no such target');
  });
});

describe('state file: loaded mapping versions by file and hash prefix, recently delivered records', () => {
  it('finds the versions of a file (live first), by resolved path or folder/name, a version by prefix, and the recent records', () => {
    let now = 1000;
    const db = openStateStore(':memory:');
    const store = new MappingStore(db, () => now);
    store.remember({ version: 'aaaa1111' + '0'.repeat(56), file: 'mappings/shipbob/order_release.yaml', system: 'shipbob', source: 'v1' });
    now = 2000;
    store.remember({ version: 'aaaa2222' + '0'.repeat(56), file: 'mappings/shipbob/order_release.yaml', system: 'shipbob', source: 'v2' });
    store.remember({ version: 'bbbb0000' + '0'.repeat(56), file: 'mappings/hubspot/order_status.yaml', system: 'hubspot', source: 'h' });
    expect(store.versionsOf('mappings/shipbob/order_release.yaml').map((v) => v.source)).to.deep.equal(['v2', 'v1']);
    expect(store.versionsOf('/elsewhere/shipbob/order_release.yaml').map((v) => v.source)).to.deep.equal(['v2', 'v1']);
    expect(store.versionsOf('mappings/generic/order_release.yaml')).to.deep.equal([]);
    // Loading v1 again makes it the live one.
    now = 3000;
    store.remember({ version: 'aaaa1111' + '0'.repeat(56), file: 'mappings/shipbob/order_release.yaml', system: 'shipbob', source: 'v1' });
    expect(store.versionsOf('mappings/shipbob/order_release.yaml')[0]!.source).to.equal('v1');
    expect(store.byHashPrefix('aaaa')).to.equal('ambiguous');
    expect((store.byHashPrefix('AAAA2') as { source: string }).source).to.equal('v2');
    expect(store.byHashPrefix('cccc')).to.equal(undefined);

    const log = new DeliveryLog(db, {}, () => now);
    const attempt = (event_id: number, res_id: number, version: string, at: number) => {
      now = at;
      log.record({ event_id, attempt: 1, target: 'wms', event_type: 'release', model: 'sale.order', res_id, idempotency_key: `k${event_id}`, correlation_id: 'c', mapping_version: version, outcome: 'sent' });
    };
    attempt(1, 10, 'aaaa1111' + '0'.repeat(56), 100);
    attempt(2, 11, 'aaaa2222' + '0'.repeat(56), 200);
    attempt(3, 10, 'aaaa2222' + '0'.repeat(56), 300);
    attempt(4, 12, 'bbbb0000' + '0'.repeat(56), 400);
    expect(log.recentRecords(['aaaa1111' + '0'.repeat(56), 'aaaa2222' + '0'.repeat(56)], 5).map((r) => r.res_id)).to.deep.equal([10, 11]);
    expect(log.recentRecords(['aaaa1111' + '0'.repeat(56)], 5).map((r) => r.res_id)).to.deep.equal([10]);
    expect(log.recentRecords([], 5)).to.deep.equal([]);
  });
});
