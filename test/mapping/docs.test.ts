/** Every example in docs/mapping-language.md runs as a test, and every construct is documented. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { compileMapping, formatIssue, formatRunIssue, runMapping, xrefFromTable, type MappingContext, type XrefTable } from '../../bridge/mapping/index.js';
import { COMPARATORS, MODIFIER_KEYS, SOURCE_KEYS, STEP_NAMES, VALUE_TYPES } from '../../bridge/mapping/schema.js';
import { ROOT } from './helpers.js';

const DOC = readFileSync(ROOT + 'docs/mapping-language.md', 'utf8');

interface Example {
  yaml?: string;
  input?: string;
  output?: string;
  errors?: string;
  context?: string;
}

const examples = new Map<string, Example>();
for (const m of DOC.matchAll(/```(\w+) (example|input|output|errors|context)=([\w-]+)\n([\s\S]*?)```/g)) {
  const kind = m[2] === 'example' ? 'yaml' : (m[2] as keyof Example);
  const e = examples.get(m[3]!) ?? {};
  e[kind] = m[4]!;
  examples.set(m[3]!, e);
}

describe('docs/mapping-language.md', () => {
  it('has examples', () => expect(examples.size).to.be.greaterThan(15));

  for (const [name, e] of examples) {
    it(`example '${name}'`, () => {
      expect(e.yaml, 'yaml block').to.be.a('string');
      expect(e.input, 'input block').to.be.a('string');
      expect(e.output === undefined, 'exactly one of output / errors').to.not.equal(e.errors === undefined);
      const c = compileMapping(e.yaml!, 'example.yaml');
      if (!c.ok) throw new Error(c.issues.map(formatIssue).join('\n'));
      const raw = e.context ? (JSON.parse(e.context) as MappingContext & { xref?: XrefTable }) : {};
      const ctx: MappingContext = { ...raw, now: raw.now ?? '2026-01-01T00:00:00Z', ...(raw.xref ? { xref: xrefFromTable(raw.xref as XrefTable) } : {}) };
      const r = runMapping(c.mapping, JSON.parse(e.input!), ctx);
      if (e.output !== undefined) {
        if (!r.ok) throw new Error(r.errors.map(formatRunIssue).join('\n'));
        expect(JSON.parse(JSON.stringify(r.value))).to.deep.equal(JSON.parse(e.output));
      } else {
        expect(r.ok, 'expected errors').to.equal(false);
        const lines = r.ok ? [] : r.errors.map(formatRunIssue);
        for (const want of e.errors!.trim().split('\n')) {
          expect(lines.some((l) => l.includes(want)), `no error contains ${JSON.stringify(want)}; got:\n${lines.join('\n')}`).to.equal(true);
        }
      }
    });
  }

  it('documents every construct, modifier, type, comparator and function', () => {
    const names = [...SOURCE_KEYS, ...MODIFIER_KEYS, ...VALUE_TYPES, ...COMPARATORS, ...STEP_NAMES, '$root', '$parent', '$vars', '$meta', '$event', '$now'];
    const missing = names.filter((n) => !DOC.includes('`' + n) && !new RegExp(`\\| ${n.replace('$', '\\$')} \\|`).test(DOC) && !DOC.includes(` ${n} `));
    expect(missing).to.deep.equal([]);
  });
});
