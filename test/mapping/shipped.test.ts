/** Runs every shipped mapping's fixtures, so an admin who changes a mapping knows what broke. */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { compileMapping, formatIssue, generateMappingJsonSchema } from '../../bridge/mapping/index.js';
import { parseFixtures, runFixtureCase } from '../../bridge/mapping/fixtures.js';
import { ROOT } from './helpers.js';

const DIR = path.join(ROOT, 'mappings');

function mappingFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) {
      if (e !== 'fixtures') out.push(...mappingFiles(p));
    } else if (e.endsWith('.yaml')) out.push(p);
  }
  return out.sort();
}

const FILES = mappingFiles(DIR);
const rel = (p: string) => path.relative(ROOT, p);

const EXPECTED = [
  'generic_wms/customer_upsert.yaml', 'generic_wms/inventory_levels.yaml', 'generic_wms/milestone.yaml', 'generic_wms/order_cancel.yaml', 'generic_wms/order_release.yaml',
  'generic_wms/product_upsert.yaml', 'generic_wms/receipt_asn.yaml', 'generic_wms/receipt_cancel.yaml', 'generic_wms/receipt_completed.yaml', 'generic_wms/return_received.yaml', 'generic_wms/shipment_confirmed.yaml',
  'hubspot/approved_quote.yaml', 'hubspot/customer_upsert.yaml', 'hubspot/order_status.yaml', 'hubspot/partner_change.yaml', 'hubspot/partner_new.yaml',
  'hubspot/product_atp.yaml', 'hubspot/product_upsert.yaml',
  'salesforce/approved_quote.yaml', 'salesforce/customer_upsert.yaml', 'salesforce/order_status.yaml', 'salesforce/partner_change.yaml', 'salesforce/partner_new.yaml', 'salesforce/product_atp.yaml', 'salesforce/product_upsert.yaml',
  'shipbob/inventory_levels.yaml', 'shipbob/milestone.yaml', 'shipbob/order_cancel.yaml', 'shipbob/order_release.yaml', 'shipbob/product_upsert.yaml',
  'shipbob/receipt_asn.yaml', 'shipbob/receipt_cancel.yaml', 'shipbob/receipt_completed.yaml', 'shipbob/return_received.yaml', 'shipbob/shipment_confirmed.yaml',
];

describe('shipped mappings', () => {
  it('ships one file per flow and preset', () => {
    expect(FILES.map((f) => path.relative(DIR, f))).to.deep.equal(EXPECTED);
  });

  it('the committed JSON Schema equals the generated one', () => {
    const committed = JSON.parse(readFileSync(path.join(DIR, 'mapping.schema.json'), 'utf8')) as unknown;
    expect(committed).to.deep.equal(generateMappingJsonSchema());
  });

  for (const file of FILES) {
    describe(rel(file), () => {
      const text = readFileSync(file, 'utf8');
      const compiled = compileMapping(text, rel(file));
      it('compiles', () => {
        if (!compiled.ok) throw new Error(compiled.issues.map(formatIssue).join('\n'));
      });
      it('references the JSON Schema for editors', () => {
        expect(text.split('\n')[0]).to.equal('# yaml-language-server: $schema=../mapping.schema.json');
      });
      const fx = path.join(path.dirname(file), 'fixtures', path.basename(file));
      it('has fixtures with at least one payload case and one error case', () => {
        expect(existsSync(fx), `missing ${rel(fx)}`).to.equal(true);
        const p = parseFixtures(readFileSync(fx, 'utf8'), rel(fx));
        if (!p.ok) throw new Error(p.error);
        expect(p.cases.some((c) => c.expected !== undefined), 'a payload case').to.equal(true);
        expect(p.cases.some((c) => c.errors !== undefined), 'an error case').to.equal(true);
      });
      if (!compiled.ok || !existsSync(fx)) return;
      const parsed = parseFixtures(readFileSync(fx, 'utf8'), rel(fx));
      if (!parsed.ok) return;
      for (const c of parsed.cases) {
        it(`fixture: ${c.name}`, () => {
          const r = runFixtureCase(compiled.mapping, c);
          if (!r.ok) throw new Error(r.problems.join('\n'));
        });
      }
    });
  }
});
