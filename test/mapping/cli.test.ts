import { expect } from 'chai';
import path from 'node:path';
import { mappingsCheck } from '../../bridge/cli/mappings-check.js';
import { mappingsPreview } from '../../bridge/cli/mappings-preview.js';
import { runMappingsCommand } from '../../bridge/cli/mappings-command.js';
import { capture, ROOT, tempDir } from './helpers.js';


const GOOD = `direction: outbound
source: sale.order
system: test
events: [release]
output: test.order
fields:
  ref: name
  lines: { each: order_line, fields: { sku: product_id.default_code } }
`;


describe('mappings CLI commands', () => {
  describe('check', () => {
    it('passes on the shipped mappings with their fixtures', async () => {
      const w = capture();
      const code = await mappingsCheck([path.join(ROOT, 'mappings'), '--fixtures'], { writer: w });
      expect(w.errs, w.errs.join('\n')).to.deep.equal([]);
      expect(code).to.equal(0);
      expect(w.outs[w.outs.length - 1]).to.match(/^35 mapping file\(s\) checked, \d+ fixture case\(s\) run: no problems$/);
    });
    it('exits 1 and prints every problem of every file', async () => {
      const dir = tempDir({
        'a/good.yaml': GOOD,
        'a/bad.yaml': GOOD.replace('ref: name', 'ref: { path: name, pipe: [roud] }\n  x: { pth: y }'),
        'b/worse.yaml': 'direction: [\n',
      });
      const w = capture();
      expect(await mappingsCheck([dir], { writer: w })).to.equal(1);
      const all = w.errs.join('\n');
      expect(all).to.contain(`${path.join(dir, 'a/bad.yaml')}:7:29 fields.ref.pipe[0]: unknown function 'roud'`);
      expect(all).to.contain(`${path.join(dir, 'a/bad.yaml')}:8:8 fields.x: expected one of:`);
      expect(all).to.contain(`${path.join(dir, 'b/worse.yaml')}:`);
      expect(all).to.contain('3 mapping file(s) checked: 3 problem(s)');
    });
    it('skips fixtures folders and reports failing fixtures with --fixtures', async () => {
      const dir = tempDir({
        'p/m.yaml': GOOD,
        'p/fixtures/m.yaml': 'cases:\n  - name: wrong expectation\n    input: { name: S1, order_line: [] }\n    expected: { ref: S2, lines: [] }\n',
      });
      const w = capture();
      expect(await mappingsCheck([dir], { writer: w })).to.equal(0);
      const w2 = capture();
      expect(await mappingsCheck([dir, '--fixtures'], { writer: w2 })).to.equal(1);
      expect(w2.errs.join('\n')).to.contain("case 'wrong expectation' failed:\n  ref: expected \"S2\", got \"S1\"");
    });
    it('refuses two mappings serving the same event', async () => {
      const dir = tempDir({ 'a.yaml': GOOD, 'b.yaml': GOOD });
      const w = capture();
      expect(await mappingsCheck([dir], { writer: w })).to.equal(1);
      expect(w.errs.join('\n')).to.contain("events: 'release' for outbound sale.order (test) is also served by");
    });
    it('usage errors exit 2', async () => {
      const w = capture();
      expect(await mappingsCheck(['--nope'], { writer: w })).to.equal(2);
      expect(await mappingsCheck(['/does/not/exist'], { writer: w })).to.equal(2);
    });
  });

  describe('preview', () => {
    const dir = tempDir({
      'm.yaml': GOOD,
      'in.json': JSON.stringify({ id: 1, name: 'S1', order_line: [{ id: 2, product_id: { id: 3, default_code: 'A' } }] }),
      'bad.json': JSON.stringify({ id: 1, name: 'S1', order_line: [{ id: 2, product_id: false }] }),
    });
    it('prints the payload for --input', async () => {
      const w = capture();
      expect(await mappingsPreview([path.join(dir, 'm.yaml'), '--input', path.join(dir, 'in.json')], { writer: w })).to.equal(0);
      expect(JSON.parse(w.outs.join('\n'))).to.deep.equal({ ref: 'S1', lines: [{ sku: 'A' }] });
    });
    it('prints the errors and exits 1', async () => {
      const w = capture();
      expect(await mappingsPreview([path.join(dir, 'm.yaml'), '--input', path.join(dir, 'bad.json')], { writer: w })).to.equal(1);
      expect(w.errs.join('\n')).to.contain('fields.lines.each.sku: order_line[0].product_id.default_code: missing (order_line[0].product_id is false)');
    });
    it('reads a record from Odoo with the derived spec for --record', async () => {
      const w = capture();
      const calls: unknown[] = [];
      const readRecord = (model: string, id: number, spec: unknown) => {
        calls.push([model, id, spec]);
        return Promise.resolve({ id, name: 'S9', order_line: [] });
      };
      expect(await mappingsPreview([path.join(dir, 'm.yaml'), '--record', 'sale.order:9'], { writer: w, readRecord })).to.equal(0);
      expect(calls).to.deep.equal([['sale.order', 9, { name: {}, order_line: { fields: { product_id: { fields: { default_code: {} } } } } }]]);
      expect(JSON.parse(w.outs.join('\n'))).to.deep.equal({ ref: 'S9', lines: [] });
    });
    it('refuses --record for another model or without an Odoo connection', async () => {
      const w = capture();
      expect(await mappingsPreview([path.join(dir, 'm.yaml'), '--record', 'res.partner:1'], { writer: w, readRecord: () => Promise.resolve({}) })).to.equal(2);
      expect(await mappingsPreview([path.join(dir, 'm.yaml'), '--record', 'sale.order:1'], { writer: w })).to.equal(2);
      expect(w.errs.join('\n')).to.contain('--record needs a connection to Odoo');
    });
    it('passes --event, --var, --meta, --now and --xref to the mapping', async () => {
      const d = tempDir({
        'x.yaml': GOOD.replace('events: [release]', 'events: [release, amend]') + '  ev: $event\n  loc: $vars.loc\n  msg: $meta.id\n  at: $now\n  ext: { external_id: { model: sale.order, of: id } }\n',
        'x.json': JSON.stringify({ links: [{ system: 'test', model: 'sale.order', id: 1, external_id: 'E1' }] }),
      });
      const w = capture();
      const code = await mappingsPreview(
        [path.join(d, 'x.yaml'), '--input', path.join(dir, 'in.json'), '--event', 'amend', '--var', 'loc=7', '--meta', 'id=m1', '--now', '2026-01-02T03:04:05Z', '--xref', path.join(d, 'x.json')],
        { writer: w },
      );
      expect(w.errs).to.deep.equal([]);
      expect(code).to.equal(0);
      expect(JSON.parse(w.outs.join('\n'))).to.deep.include({ ev: 'amend', loc: 7, msg: 'm1', at: '2026-01-02 03:04:05', ext: 'E1' });
    });
    it('usage errors exit 2', async () => {
      const w = capture();
      expect(await mappingsPreview([], { writer: w })).to.equal(2);
      expect(await mappingsPreview(['m.yaml', '--input', 'a', '--record', 'sale.order:1'], { writer: w })).to.equal(2);
      expect(await runMappingsCommand(['frobnicate'], { writer: w })).to.equal(2);
    });
    it('a mapping that does not compile prints its issues and exits 1', async () => {
      const d = tempDir({ 'm.yaml': GOOD.replace('ref: name', 'ref: { path: name, pipe: [roud] }') });
      const w = capture();
      expect(await mappingsPreview([path.join(d, 'm.yaml'), '--input', path.join(dir, 'in.json')], { writer: w })).to.equal(1);
      expect(w.errs.join('\n')).to.contain("unknown function 'roud'");
    });
  });
});
