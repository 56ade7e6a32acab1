import { expect } from 'chai';
import { compileMapping, formatIssue, loadMapping, MappingCompileError } from '../../bridge/mapping/index.js';
import { PermanentError } from '../../bridge/errors/index.js';

const HEAD = `direction: outbound
source: sale.order
system: shipbob
events: [release]
output: shipbob.order
fields:
`;

interface ErrCase {
  name: string;
  text: string;
  /** Each expected as a substring of one formatted issue (file:line:col construct: message). */
  errors: string[];
  /** Exact number of issues, when it matters. */
  count?: number;
}

const CASES: ErrCase[] = [
  {
    name: 'unknown function with suggestion, at its position',
    text: HEAD + `  products:\n    each: order_line\n    fields:\n      quantity:\n        path: product_uom_qty\n        pipe: [{ roud: 2 }]\n`,
    errors: ["m.yaml:12:16 fields.products.each.quantity.pipe[0]: unknown function 'roud' (expected one of: abs, add, after, before, ceil, count, divide, first, fixed, flatten, floor, format_date, join, last, lower, map, multiply, nonempty, number, prefix, replace, round, split, string, subtract, suffix, sum, trim, truncate, uom, upper); did you mean 'round'?"],
  },
  {
    name: 'all errors in a file are reported, in order',
    text: HEAD + `  a: { pth: x }\n  b: { path: "x..y" }\n  c: { path: x, pipe: [trimm] }\n  d: { path: x, type: text }\n`,
    errors: [
      "m.yaml:7:8 fields.a: expected one of: path, const, concat, first, list, if, fields, each, external_id, odoo_id (unknown key 'pth'; did you mean 'path')",
      'm.yaml:8:14 fields.b.path: empty segment in path',
      "m.yaml:9:24 fields.c.pipe[0]: unknown function 'trimm'",
      'm.yaml:10:23 fields.d.type: expected one of: string, number, integer, boolean, date, datetime, object, array, any; got string "text"',
    ],
    count: 4,
  },
  {
    name: 'header: missing and invalid keys',
    text: `direction: sideways\nsource: sale.order\nevents: []\noutput: x\nfields: {}\nextra: 1\n`,
    errors: [
      'm.yaml:1:12 direction: expected one of: outbound, inbound; got string "sideways"',
      'system: required (expected string)',
      'm.yaml:3:9 events: expected at least 1 item(s)',
      "m.yaml:6:1 extra: unknown key 'extra'",
    ],
  },
  {
    name: 'two sources in one expression',
    text: HEAD + `  a: { path: x, const: 1 }\n`,
    errors: ["fields.a: conflicting sources 'path' and 'const' (use exactly one)"],
  },
  {
    name: 'key that does not belong to the construct',
    text: HEAD + `  a: { path: x, sep: "," }\n`,
    errors: ["m.yaml:7:17 fields.a.sep: unknown key 'sep' (expected one of: path, optional, default, type, pipe, when, description)"],
  },
  { name: 'prototype keys in paths', text: HEAD + `  a: __proto__.x\n  b: constructor\n  c: x.prototype\n  d: toString\n`, errors: ["'__proto__' is not allowed", "'constructor' is not allowed", "'prototype' is not allowed", "'toString' is not allowed"], count: 4 },
  { name: 'prototype output key', text: HEAD + `  __proto__: x\n`, errors: ["fields.__proto__: output field name '__proto__' is not allowed"] },
  { name: 'prototype key in a constant', text: HEAD + `  a: { const: { constructor: 1 } }\n`, errors: ["key 'constructor' is not allowed"] },
  { name: 'unknown path root', text: HEAD + `  a: $record.x\n`, errors: ["unknown path root '$record' (expected one of: $, $root, $parent, $vars, $meta, $event, $now)"] },
  { name: '$parent outside each', text: HEAD + `  a: $parent.x\n`, errors: ["'$parent' is only available inside each"] },
  { name: 'invalid path segment', text: HEAD + `  a: "x.y z"\n`, errors: ["invalid path segment 'y z'"] },
  { name: 'path too deep', text: HEAD + `  a: ${Array.from({ length: 17 }, (_, i) => 'f' + i).join('.')}\n`, errors: ['path too deep (17 segments, at most 16)'] },
  { name: 'no-arg function given an argument', text: HEAD + `  a: { path: x, pipe: [{ trim: 1 }] }\n`, errors: ["'trim' takes no argument (write it as - trim)"] },
  { name: 'function missing its argument', text: HEAD + `  a: { path: x, pipe: [round] }\n`, errors: ["'round' needs an argument (write it as - round: ...)"] },
  { name: 'bad function argument', text: HEAD + `  a: { path: x, pipe: [{ truncate: -1 }] }\n`, errors: ['fields.a.pipe[0].truncate: expected at least 1, got number -1'] },
  { name: 'round argument', text: HEAD + `  a: { path: x, pipe: [{ round: two }] }\n`, errors: ['expected a number of decimals (0-12) or {digits, method}'] },
  { name: 'divide by zero', text: HEAD + `  a: { path: x, pipe: [{ divide: 0 }] }\n`, errors: ['cannot divide by 0'] },
  { name: 'unknown time zone', text: HEAD + `  a: { path: x, pipe: [{ format_date: { format: iso, tz: Mars/Olympus } }] }\n`, errors: ["unknown time zone 'Mars/Olympus'"] },
  { name: 'unknown date format', text: HEAD + `  a: { path: x, pipe: [{ format_date: { format: YYYY-QQ } }] }\n`, errors: ["unknown date format 'YYYY-QQ'"] },
  { name: 'map with both fallback and keep_unmatched', text: HEAD + `  a: { path: x, pipe: [{ map: { table: {}, fallback: 1, keep_unmatched: true } }] }\n`, errors: ['use either fallback or keep_unmatched, not both'] },
  { name: 'each needs fields or value', text: HEAD + `  a: { each: order_line }\n`, errors: ['each needs fields: (a list of objects) or value: (a list of values)'] },
  { name: 'each with both fields and value', text: HEAD + `  a: { each: l, fields: {}, value: x }\n`, errors: ['use either fields or value in each, not both'] },
  { name: 'condition without comparator', text: HEAD + `  a: { path: x, when: { path: y } }\n`, errors: ['fields.a.when: expected one comparator'] },
  { name: 'condition with two comparators', text: HEAD + `  a: { path: x, when: { path: y, eq: 1, ne: 2 } }\n`, errors: ['expected exactly one comparator, got eq and ne'] },
  { name: 'condition that is not an object', text: HEAD + `  a: { path: x, when: yes }\n`, errors: ['fields.a.when: expected a condition object'] },
  { name: 'unknown condition key', text: HEAD + `  a: { path: x, when: { al: [] } }\n`, errors: ["a condition needs path (with one of: eq, ne, in, not_in, gt, gte, lt, lte, exists, starts_with), all, any or not; did you mean 'all'?"] },
  { name: 'a bare number is not an expression', text: HEAD + `  a: 5\n`, errors: ['fields.a: expected a path string or an expression object', 'write constants as {const: ...}'] },
  { name: 'x2many command in an outbound mapping', text: HEAD + `  a: { each: l, command: create, fields: {} }\n`, errors: ['x2many commands are only for inbound mappings'] },
  { name: 'canonical output for an outbound mapping', text: HEAD.replace('output: shipbob.order', 'output: canonical.shipment') + '  a: x\n', errors: ['canonical outputs are for inbound mappings'] },
  {
    name: 'unknown inbound output',
    text: HEAD.replace('direction: outbound', 'direction: inbound') .replace('output: shipbob.order', 'output: canonical.parcel') + '  a: x\n',
    errors: ["unknown output 'canonical.parcel' for an inbound mapping (expected one of: canonical.shipment, canonical.return, canonical.stock_snapshot, canonical.sale_order, canonical.receipt, canonical.milestone, canonical.partner_change, canonical.partner_new, odoo.vals)"],
  },
  { name: 'odoo.vals needs odoo_model', text: HEAD.replace('direction: outbound', 'direction: inbound').replace('output: shipbob.order', 'output: odoo.vals') + '  a: x\n', errors: ['odoo.vals needs odoo_model'] },
  { name: 'invalid YAML: position and hint', text: HEAD + `  a: { path: x.y[0] }\n`, errors: ['m.yaml:7:17 (yaml): invalid YAML:', 'quote values that contain'] },
  { name: 'invalid YAML: bad indentation', text: 'direction: outbound\n  source: x\n', errors: ['m.yaml:1:12 (yaml): invalid YAML: Nested mappings are not allowed in compact mappings'] },
  { name: 'duplicate keys', text: HEAD + `  a: x\n  a: y\n`, errors: ['m.yaml:8:3 (yaml): invalid YAML: Map keys must be unique'] },
  { name: 'not a mapping document', text: '- a\n- b\n', errors: ['m.yaml:1:1 (file): expected a mapping document'] },
  { name: 'empty file', text: '', errors: ['expected a mapping document'] },
];

describe('mapping compile errors (table)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const r = compileMapping(c.text, 'm.yaml');
      expect(r.ok, 'expected compile errors').to.equal(false);
      if (r.ok) return;
      const lines = r.issues.map(formatIssue);
      for (const want of c.errors) {
        expect(lines.some((l) => l.includes(want)), `no issue contains ${JSON.stringify(want)}; got:\n${lines.join('\n')}`).to.equal(true);
      }
      if (c.count !== undefined) expect(lines).to.have.length(c.count);
      for (const i of r.issues) {
        expect(i.file).to.equal('m.yaml');
        expect(i.line, formatIssue(i)).to.be.greaterThan(0);
        expect(i.col, formatIssue(i)).to.be.greaterThan(0);
      }
    });
  }

  it('loadMapping throws a permanent MappingCompileError in category mapping, listing every issue', () => {
    try {
      loadMapping(HEAD + '  a: { pth: x }\n  b: { path: x, pipe: [nope] }\n', 'm.yaml');
      expect.fail('should throw');
    } catch (e) {
      expect(e).to.be.instanceOf(MappingCompileError);
      expect(e).to.be.instanceOf(PermanentError);
      const err = e as MappingCompileError;
      expect(err.category).to.equal('mapping');
      expect(err.retryable).to.equal(false);
      expect(err.issues).to.have.length(2);
      expect(err.message.split('\n')).to.have.length(2);
    }
  });
});
