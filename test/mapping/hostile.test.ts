import { expect } from 'chai';
import { compileMapping, formatIssue, formatRunIssue, runMapping } from '../../bridge/mapping/index.js';
import { compileOk, mappingText } from './helpers.js';

function issues(text: string): string[] {
  const r = compileMapping(text, 'h.yaml');
  expect(r.ok, 'expected the mapping to be refused').to.equal(false);
  return r.ok ? [] : r.issues.map(formatIssue);
}

function runErrors(fields: unknown, input: unknown, head = {}): string[] {
  const r = runMapping(compileOk(mappingText(fields, head)), input);
  expect(r.ok, 'expected run errors').to.equal(false);
  return r.ok ? [] : r.errors.map(formatRunIssue);
}

function nest(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = { fields: { x: v } };
  return v;
}

describe('hostile mappings and data', () => {
  describe('mapping files', () => {
    it('refuses constructs nested too deeply', () => {
      expect(issues(mappingText({ a: nest(60, 'name') })).join('\n')).to.contain('nested too deeply (at most 40 levels)');
    });
    it('refuses deeply nested conditions', () => {
      let c: unknown = { path: 'x', eq: 1 };
      for (let i = 0; i < 60; i++) c = { not: c };
      expect(issues(mappingText({ a: { path: 'x', when: c } })).join('\n')).to.contain('nested too deeply');
    });
    it('refuses too many expressions', function () {
      this.timeout(20000); // parsing 6,000 YAML keys on a cold, loaded machine
      const fields: Record<string, string> = {};
      for (let i = 0; i < 6000; i++) fields['f' + i] = 'name';
      expect(issues(mappingText(fields)).join('\n')).to.contain('too many expressions (at most 5000)');
    });
    it('refuses a file that is too large', () => {
      expect(issues('#'.repeat(600 * 1024)).join('\n')).to.contain('file too large');
    });
    it('refuses an alias bomb without expanding it', () => {
      const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
      for (let i = 1; i < 12; i++) {
        const prev = String.fromCharCode(96 + i);
        const cur = String.fromCharCode(97 + i);
        lines.push(`${cur}: &${cur} [${Array(10).fill('*' + prev).join(',')}]`);
      }
      const t0 = Date.now();
      const out = issues(lines.join('\n') + '\n');
      expect(Date.now() - t0).to.be.lessThan(2000);
      expect(out.join('\n')).to.match(/invalid YAML|alias/i);
    });
    for (const [name, text] of [
      ['tab indentation', 'direction: outbound\nfields:\n\ta: x\n'],
      ['unclosed quote', 'direction: "outbound\n'],
      ['unclosed flow map', 'fields: { a: x\n'],
      ['two documents', 'direction: outbound\n---\ndirection: inbound\n'],
      ['binary garbage', '\u0000\u0001\u0002{{{'],
    ] as const) {
      it(`invalid YAML: ${name} is reported with a position`, () => {
        const out = issues(text);
        expect(out.length).to.be.greaterThan(0);
        expect(out[0]).to.match(/^h\.yaml(:\d+:\d+)? /);
      });
    }
    it('never evaluates code: a JavaScript-looking string is just a path or a constant', () => {
      const r = runMapping(compileOk(mappingText({ a: { const: "require('child_process').exec('x')" }, b: { path: 'x', optional: true } })), { x: false });
      expect(r).to.deep.equal({ ok: true, value: { a: "require('child_process').exec('x')" } });
      expect(issues(mappingText({ a: "process.exit(1)" })).join('\n')).to.contain("invalid path segment 'exit(1)'");
    });
  });

  describe('data', () => {
    it('refuses a record that is not an object', () => {
      for (const input of [null, [], 'S1', 42]) {
        const r = runMapping(compileOk(mappingText({ a: 'name' })), input);
        expect(r.ok).to.equal(false);
        if (!r.ok) expect(formatRunIssue(r.errors[0]!)).to.contain('expected a sale.order record (an object)');
      }
    });
    it('refuses prototype keys in data passed through, and does not pollute', () => {
      const input = JSON.parse('{"partner": {"__proto__": {"polluted": 1}, "name": "x"}}') as unknown;
      const errs = runErrors({ p: { path: 'partner', type: 'object' } }, input);
      expect(errs.join('\n')).to.contain("partner: key '__proto__' is not allowed in data");
      expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    });
    it('a constructor key in data is never reached through a path', () => {
      const input = JSON.parse('{"name": "S1", "constructor": {"name": "evil"}}') as unknown;
      const r = runMapping(compileOk(mappingText({ a: 'name' })), input);
      expect(r).to.deep.equal({ ok: true, value: { a: 'S1' } });
    });
    it('refuses data nested too deeply when passed through', () => {
      let deep: unknown = 1;
      for (let i = 0; i < 5000; i++) deep = { a: deep };
      expect(runErrors({ p: { path: 'x', type: 'any' } }, { x: deep }).join('\n')).to.contain('value nested too deeply');
    });
    it('reads deeply nested data by path without walking it', () => {
      let deep: unknown = 1;
      for (let i = 0; i < 100000; i++) deep = { a: deep };
      const r = runMapping(compileOk(mappingText({ p: 'x.a.a.a', q: { path: 'x', pipe: ['count'], optional: true, type: 'any' } })), { x: deep });
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(formatRunIssue(r.errors[0]!)).to.contain('expected a single value, got an object');
    });
    it('refuses a list longer than the limit', () => {
      const lines = Array.from({ length: 20000 }, (_, i) => ({ id: i }));
      expect(runErrors({ l: { each: 'order_line', fields: { id: 'id' } } }, { order_line: lines }).join('\n')).to.contain(
        'order_line: list too long (20000 items, at most 10000)',
      );
    });
    it('refuses too many items over nested lists', () => {
      const inner = Array.from({ length: 5000 }, (_, i) => ({ id: i }));
      const outer = Array.from({ length: 50 }, () => ({ moves: inner }));
      const errs = runErrors({ l: { each: 'pickings', fields: { m: { each: 'moves', fields: { id: 'id' } } } } }, { pickings: outer });
      expect(errs.join('\n')).to.contain('too many list items in one record (more than 200000)');
    });
    it('refuses a split that makes too many parts', () => {
      expect(runErrors({ l: { path: 's', pipe: [{ split: ',' }], type: 'array' } }, { s: ','.repeat(20000) }).join('\n')).to.contain('more than 10000 parts');
    });
    it('caps the number of errors reported for one record', () => {
      const lines = Array.from({ length: 500 }, (_, i) => ({ id: i }));
      const r = runMapping(compileOk(mappingText({ l: { each: 'order_line', fields: { sku: 'sku' } } })), { order_line: lines });
      expect(r.ok).to.equal(false);
      if (!r.ok) {
        expect(r.errors).to.have.length(50);
        expect(r.dropped).to.equal(450);
      }
    });
    it('wrong types: a string for a list, a number for a string function, an object for a map', () => {
      const errs = runErrors(
        {
          l: { each: 'order_line', fields: { id: 'id' } },
          n: { path: 'name', pipe: ['trim'] },
          m: { path: 'state', type: 'any', pipe: [{ map: { table: { a: 1 } } }] },
        },
        { order_line: 'oops', name: 12, state: { a: 1 } },
      );
      expect(errs.join('\n')).to.contain('order_line: expected a list, got string "oops"');
      expect(errs.join('\n')).to.contain('trim: expected a string, got number 12');
      expect(errs.join('\n')).to.contain('map: expected a string, number or boolean to look up, got an object');
    });
    it('a long string is bounded by truncate', () => {
      const r = runMapping(compileOk(mappingText({ n: { path: 'name', pipe: [{ truncate: 10 }] } })), { name: 'x'.repeat(5_000_000) });
      expect(r).to.deep.equal({ ok: true, value: { n: 'x'.repeat(10) } });
    });
  });
});
