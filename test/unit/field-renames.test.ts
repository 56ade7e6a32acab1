import { expect } from 'chai';
import { mappingFieldProblems } from '../../bridge/app/check-mapping-fields.js';
import type { WebReadSpec } from '../../bridge/odoo/contract.js';
import { odooFieldName, recordFromOdoo, renameHint, renamesFor, specToOdoo, type FieldsInfo } from '../../bridge/odoo/field-renames.js';
import type { OdooCall, OdooGateway } from '../../bridge/odoo/odoo-gateway.js';
import { SeriesFieldsGateway } from '../../bridge/odoo/series-fields-gateway.js';

/** Field metadata of the models an order release reads, as Odoo 18 and 19 describe them. */
function metaOf(series: number): Record<string, FieldsInfo> {
  const uomField = series >= 19 ? 'product_uom_id' : 'product_uom';
  return {
    'sale.order': { name: { type: 'char' }, order_line: { type: 'one2many', relation: 'sale.order.line' }, partner_id: { type: 'many2one', relation: 'res.partner' } },
    'sale.order.line': { product_uom_qty: { type: 'float' }, [uomField]: { type: 'many2one', relation: 'uom.uom' }, product_id: { type: 'many2one', relation: 'product.product' } },
    'uom.uom': { name: { type: 'char' }, factor: { type: 'float' } },
    'res.partner': { name: { type: 'char' } },
    'product.product': { default_code: { type: 'char' } },
  };
}

const releaseSpec: WebReadSpec = {
  name: {},
  order_line: { fields: { product_uom_qty: {}, product_uom: { fields: { name: {}, factor: {} } }, product_id: { fields: { default_code: {} } } } },
};

describe('Odoo field renames per series (mappings read Odoo 18 names everywhere)', () => {
  const m19 = metaOf(19);
  const m18 = metaOf(18);

  it('the table: 19 renames sale.order.line.product_uom; 18 renames nothing; later series inherit (chained)', () => {
    expect(renamesFor(18)).to.deep.equal({});
    expect(renamesFor(19)['sale.order.line']).to.deep.equal({ product_uom: 'product_uom_id' });
    expect(renamesFor(20)['sale.order.line']?.product_uom).to.equal('product_uom_id');
    const chained = { 19: { m: { a: 'b' } }, 20: { m: { b: 'c' } } };
    expect(renamesFor(20, chained)).to.deep.equal({ m: { a: 'c', b: 'c' } });
    expect(renamesFor(19, chained)).to.deep.equal({ m: { a: 'b' } });
  });

  it('the Odoo name: the 18 name on 19 is the new one; a name the model has (18 on 18, 19 on 19) is kept; an unknown one stays', () => {
    expect(odooFieldName(19, 'sale.order.line', 'product_uom', m19['sale.order.line']!)).to.equal('product_uom_id');
    expect(odooFieldName(19, 'sale.order.line', 'product_uom_id', m19['sale.order.line']!)).to.equal('product_uom_id');
    expect(odooFieldName(18, 'sale.order.line', 'product_uom', m18['sale.order.line']!)).to.equal('product_uom');
    expect(odooFieldName(19, 'sale.order.line', 'nowhere', m19['sale.order.line']!)).to.equal('nowhere');
    // the rename is per model: another model's product_uom is not touched
    expect(odooFieldName(19, 'stock.move', 'product_uom', { product_uom: { type: 'many2one', relation: 'uom.uom' } })).to.equal('product_uom');
  });

  it('a hint for a renamed field read under the wrong series\' name', () => {
    expect(renameHint(19, 'sale.order.line', 'product_uom')).to.equal("on Odoo 19 it is called 'product_uom_id'");
    expect(renameHint(18, 'sale.order.line', 'product_uom_id')).to.equal("'product_uom_id' is its name since Odoo 19; on Odoo 18 it is called 'product_uom'");
    expect(renameHint(19, 'sale.order.line', 'nowhere')).to.equal(undefined);
    expect(renameHint(18, 'sale.order', 'product_uom_id')).to.equal(undefined);
  });

  it('the spec sent to Odoo 19 follows relations to the model of each segment; on 18 it is unchanged', () => {
    const sent = specToOdoo(19, 'sale.order', releaseSpec, (m) => m19[m]);
    expect(sent).to.deep.equal({
      name: {},
      order_line: { fields: { product_uom_qty: {}, product_uom_id: { fields: { name: {}, factor: {} } }, product_id: { fields: { default_code: {} } } } },
    });
    expect(specToOdoo(18, 'sale.order', releaseSpec, (m) => m18[m])).to.deep.equal(releaseSpec);
    // product_uom on the order itself (no such rename on sale.order) is left alone
    expect(specToOdoo(19, 'sale.order', { product_uom: {} }, (m) => m19[m])).to.deep.equal({ product_uom: {} });
  });

  it('two mappings reading the field under both names: one field read, sub-specs merged', () => {
    const spec: WebReadSpec = { order_line: { fields: { product_uom: { fields: { name: {} } }, product_uom_id: { fields: { factor: {} } } } } };
    expect(specToOdoo(19, 'sale.order', spec, (m) => m19[m])).to.deep.equal({ order_line: { fields: { product_uom_id: { fields: { name: {}, factor: {} } } } } });
  });

  it('the record read from 19 reaches the mapping under the names it asked for (x2many lists, many2one dicts)', () => {
    const fromOdoo = {
      id: 7, name: 'S00007',
      order_line: [
        { id: 1, product_uom_qty: 2, product_uom_id: { id: 1, name: 'Units', factor: 1 }, product_id: { id: 5, default_code: 'A' } },
        { id: 2, product_uom_qty: 1, product_uom_id: { id: 12, name: 'Dozens', factor: 0.0833 }, product_id: false },
      ],
    };
    const out = recordFromOdoo(19, 'sale.order', releaseSpec, structuredClone(fromOdoo), (m) => m19[m]) as typeof fromOdoo;
    expect(out.order_line[0]).to.deep.equal({ id: 1, product_uom_qty: 2, product_uom: { id: 1, name: 'Units', factor: 1 }, product_id: { id: 5, default_code: 'A' } });
    expect(out.order_line[1]).to.deep.include({ product_uom: { id: 12, name: 'Dozens', factor: 0.0833 } });
    expect(out.order_line[1]).to.not.have.property('product_uom_id');
    // asked under both names: both present
    const both: WebReadSpec = { order_line: { fields: { product_uom: {}, product_uom_id: {} } } };
    const r2 = recordFromOdoo(19, 'sale.order', both, { order_line: [{ product_uom_id: 3 }] }, (m) => m19[m]) as { order_line: Array<Record<string, unknown>> };
    expect(r2.order_line[0]).to.deep.equal({ product_uom_id: 3, product_uom: 3 });
    // a mapping that already reads the 19 name on 19 gets it as is
    const r3 = recordFromOdoo(19, 'sale.order', { order_line: { fields: { product_uom_id: {} } } }, { order_line: [{ product_uom_id: 3 }] }, (m) => m19[m]) as { order_line: Array<Record<string, unknown>> };
    expect(r3.order_line[0]).to.deep.equal({ product_uom_id: 3 });
  });
});

/** A fake Odoo answering fields_get from metaOf(series) and recording every call. */
function fakeOdoo(series: number, answer: (c: OdooCall) => unknown): OdooGateway & { calls: OdooCall[] } {
  const meta = metaOf(series);
  const calls: OdooCall[] = [];
  return {
    calls, protocol: 'json2',
    connect: async () => 2,
    serverVersion: async () => `${series}.0`,
    call: async <T>(c: OdooCall): Promise<T> => {
      calls.push(structuredClone(c));
      if (c.method === 'fields_get') return (meta[c.model] ?? {}) as T;
      return answer(c) as T;
    },
  };
}

describe('SeriesFieldsGateway: spec-driven reads on Odoo 19 use the renamed fields', () => {
  const line19 = { id: 1, product_uom_qty: 2, product_uom_id: { id: 1, name: 'Units', factor: 1 }, product_id: { id: 5, default_code: 'A' } };

  it('sync_claim: the specs go out with 19 names, each claimed record comes back with 18 names', async () => {
    const inner = fakeOdoo(19, () => [
      { id: 11, model: 'sale.order', record: { id: 7, name: 'S7', order_line: [structuredClone(line19)] } },
      { id: 12, model: 'sale.order', record: false },
    ]);
    const gw = new SeriesFieldsGateway(inner);
    const events = await gw.call<Array<{ record: { order_line: Array<Record<string, unknown>> } | false }>>({ model: 'sync.event', method: 'sync_claim', params: { limit: 5, specs: { 'sale.order': releaseSpec } } });
    const claim = inner.calls.find((c) => c.method === 'sync_claim')!;
    const sentLines = ((claim.params!.specs as Record<string, WebReadSpec>)['sale.order']!.order_line as { fields: WebReadSpec }).fields;
    expect(Object.keys(sentLines)).to.have.members(['product_uom_qty', 'product_uom_id', 'product_id']);
    expect(claim.params!.limit).to.equal(5);
    const rec = events[0]!.record as { order_line: Array<Record<string, unknown>> };
    expect(rec.order_line[0]!.product_uom).to.deep.equal({ id: 1, name: 'Units', factor: 1 });
    expect(rec.order_line[0]).to.not.have.property('product_uom_id');
    expect(events[1]!.record).to.equal(false);
  });

  it('web_read and web_search_read (preview --record, reconciliation, pinned replays) likewise; metadata read once per model', async () => {
    const inner = fakeOdoo(19, (c) => {
      const rec = { id: 7, name: 'S7', order_line: [structuredClone(line19)] };
      return c.method === 'web_read' ? [rec] : { length: 1, records: [rec] };
    });
    const gw = new SeriesFieldsGateway(inner);
    const rows = await gw.call<Array<{ order_line: Array<Record<string, unknown>> }>>({ model: 'sale.order', method: 'web_read', ids: [7], params: { specification: releaseSpec } });
    expect(rows[0]!.order_line[0]!.product_uom).to.deep.include({ name: 'Units' });
    const page = await gw.call<{ records: Array<{ order_line: Array<Record<string, unknown>> }> }>({ model: 'sale.order', method: 'web_search_read', params: { domain: [['id', '=', 7]], specification: releaseSpec } });
    expect(page.records[0]!.order_line[0]!.product_uom).to.deep.include({ name: 'Units' });
    const reads = inner.calls.filter((c) => c.method !== 'fields_get');
    for (const r of reads) expect(JSON.stringify(r.params!.specification)).to.contain('"product_uom_id"').and.not.contain('"product_uom"');
    expect(inner.calls.filter((c) => c.method === 'fields_get').map((c) => c.model)).to.have.members(['sale.order', 'sale.order.line', 'uom.uom', 'product.product']);
  });

  it('on 18 nothing is translated and no metadata is read; other calls pass through', async () => {
    const inner = fakeOdoo(18, () => [{ id: 7, order_line: [{ product_uom: 1 }] }]);
    const gw = new SeriesFieldsGateway(inner);
    await gw.call({ model: 'sale.order', method: 'web_read', ids: [7], params: { specification: releaseSpec } });
    const inner19 = fakeOdoo(19, () => true);
    await new SeriesFieldsGateway(inner19).call({ model: 'sale.order', method: 'write', ids: [7], params: { vals: { product_uom: 1 } } });
    expect(inner.calls.map((c) => c.method)).to.deep.equal(['web_read']);
    expect(inner.calls[0]!.params!.specification).to.deep.equal(releaseSpec);
    expect(inner19.calls.map((c) => c.method)).to.deep.equal(['write']);
  });
});

describe('the start-up field check on Odoo 19', () => {
  const specs = (spec: WebReadSpec) => [{ file: 'wms/order_release.yaml', model: 'sale.order', spec, where: () => ({ line: 12, col: 5, construct: 'fields.lines' }) }];

  it('accepts the 18 name of a field renamed in 19 and the 19 name itself', async () => {
    expect(await mappingFieldProblems(fakeOdoo(19, () => undefined), specs(releaseSpec))).to.deep.equal([]);
    expect(await mappingFieldProblems(fakeOdoo(19, () => undefined), specs({ order_line: { fields: { product_uom_id: { fields: { name: {} } } } } }))).to.deep.equal([]);
    expect(await mappingFieldProblems(fakeOdoo(18, () => undefined), specs(releaseSpec))).to.deep.equal([]);
  });

  it('a missing field is an error naming file:line:col; a 19 name read on 18 says what it is called there', async () => {
    const p19 = await mappingFieldProblems(fakeOdoo(19, () => undefined), specs({ order_line: { fields: { nowhere: {} } } }));
    expect(p19).to.deep.equal(["wms/order_release.yaml:12:5 fields.lines: order_line.nowhere: no field 'nowhere' on sale.order.line in this Odoo 19 (is the module that adds it installed?)"]);
    const p18 = await mappingFieldProblems(fakeOdoo(18, () => undefined), specs({ order_line: { fields: { product_uom_id: {} } } }));
    expect(p18).to.have.length(1);
    expect(p18[0]).to.contain('wms/order_release.yaml:12:5').and.contain("on Odoo 18 it is called 'product_uom'");
  });
});
