import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { collectLookups, loadMapping, requiredSpec, runMapping } from '../../bridge/mapping/index.js';
import { compileOk, mappingText, ROOT } from './helpers.js';

const shipped = (p: string) => loadMapping(readFileSync(ROOT + 'mappings/' + p, 'utf8'), 'mappings/' + p);

describe('mapping API for the sidecar', () => {
  describe('requiredSpec', () => {
    it('merges every path of the ShipBob order release into one web_read spec', () => {
      const spec = requiredSpec(shipped('shipbob/order_release.yaml'));
      const uom = { fields: { factor: {}, rounding: {}, category_id: {}, name: {} } };
      expect(spec).to.deep.equal({
        sync_wms_ref: {},
        name: {},
        partner_id: { fields: { is_company: {} } },
        date_order: {},
        partner_shipping_id: {
          fields: {
            name: {}, email: {}, phone: {}, street: {}, street2: {}, city: {},
            state_id: { fields: { code: {} } }, zip: {}, country_id: { fields: { code: {} } },
          },
        },
        order_line: {
          fields: {
            display_type: {},
            product_id: { fields: { type: {}, default_code: {}, name: {}, uom_id: uom } },
            product_uom_qty: {},
            product_uom: uom,
            price_unit: {},
          },
        },
      });
    });
    it('follows $root and $parent and ignores $vars, $meta and list indexes', () => {
      const m = compileOk(
        mappingText({
          a: '$vars.x',
          b: { each: 'picking_ids', fields: { o: '$root.name', m: { each: 'move_ids', fields: { p: '$parent.origin', q: 'lines[0].qty' } } } },
          c: { external_id: { model: 'res.partner', of: 'partner_id' } },
        }),
      );
      expect(requiredSpec(m)).to.deep.equal({
        picking_ids: { fields: { origin: {}, move_ids: { fields: { lines: { fields: { qty: {} } } } } } },
        name: {},
        partner_id: {},
      });
    });
    it('is empty for inbound mappings', () => {
      expect(requiredSpec(shipped('shipbob/shipment_confirmed.yaml'))).to.deep.equal({});
    });
  });

  describe('lookups', () => {
    it('declares the cross references a mapping needs', () => {
      expect(shipped('hubspot/order_status.yaml').lookups).to.deep.equal([
        { kind: 'to_external', model: 'sale.order', system: 'hubspot', of: 'id', construct: 'fields.hubspot_id' },
        { kind: 'to_external', model: 'res.partner', system: 'hubspot', of: 'partner_id.commercial_partner_id', construct: 'fields.associations.list[0].hubspot_id' },
        { kind: 'to_external', model: 'res.partner', system: 'hubspot', of: 'partner_id', construct: 'fields.associations.list[1].hubspot_id' },
      ]);
    });
    it('collects the concrete keys of one record in one batch, skipping filtered lines', () => {
      const m = compileOk(
        mappingText(
          {
            partner: { odoo_id: { model: 'res.partner', of: 'company_id' } },
            lines: {
              each: 'items',
              where: { path: 'qty', gt: 0 },
              fields: { product_id: { odoo_id: { model: 'product.product', of: 'sku', by: 'default_code' } } },
            },
          },
          { direction: 'inbound', source: 'crm.deal', system: 'hubspot', output: 'odoo.vals', odoo_model: 'sale.order' },
        ),
      );
      expect(m.lookups.map((l) => `${l.kind} ${l.model} ${l.of}`)).to.deep.equal(['from_external res.partner company_id', 'by_key product.product items[].sku']);
      const reqs = collectLookups(m, { company_id: '555', items: [{ sku: 'A', qty: 1 }, { sku: 'B', qty: 0 }, { sku: 'A', qty: 2 }] });
      expect(reqs).to.deep.equal([
        { kind: 'from_external', system: 'hubspot', model: 'res.partner', externalId: '555' },
        { kind: 'by_key', model: 'product.product', field: 'default_code', value: 'A' },
      ]);
    });
    it('collects nothing for a mapping without lookups', () => {
      expect(collectLookups(shipped('shipbob/order_release.yaml'), { id: 1 })).to.deep.equal([]);
    });
  });

  describe('version hash', () => {
    const base = mappingText({ a: 'name', b: { path: 'x', optional: true } });
    it('is a sha256 hex digest, stable across comments, layout and key order', () => {
      const v = compileOk(base).version;
      expect(v).to.match(/^[0-9a-f]{64}$/);
      const reformatted =
        '# a comment\nfields:\n  b: {optional: true,   path: x}\n  a: name\noutput: test.payload\nevents: [release]\nsystem: test\nsource: sale.order\ndirection: outbound\n';
      expect(compileOk(reformatted).version).to.equal(v);
    });
    it('changes when the mapping changes', () => {
      expect(compileOk(base.replace('name', 'name2')).version).to.not.equal(compileOk(base).version);
    });
  });

  it('exposes the header, vars and meta names used', () => {
    const m = shipped('shipbob/order_release.yaml');
    expect([m.direction, m.source, m.system, m.output, [...m.events]]).to.deep.equal(['outbound', 'sale.order', 'shipbob', 'shipbob.order', ['release', 'amend']]);
    expect(m.vars).to.deep.equal(['shipbob_location_id', 'shipbob_shipping_method']);
    expect(shipped('shipbob/shipment_confirmed.yaml').meta).to.deep.equal(['message_id']);
  });

  it('a compiled mapping is reusable: runs do not share state', () => {
    const m = compileOk(mappingText({ l: { each: 'order_line', fields: { sku: 'sku' } } }));
    const a = runMapping(m, { order_line: [{ sku: 'A' }] });
    const b = runMapping(m, { order_line: [{}] });
    const c = runMapping(m, { order_line: [{ sku: 'C' }] });
    expect(a).to.deep.equal({ ok: true, value: { l: [{ sku: 'A' }] } });
    expect(b.ok).to.equal(false);
    expect(c).to.deep.equal({ ok: true, value: { l: [{ sku: 'C' }] } });
  });

  it('constants in the output cannot be changed by the caller', () => {
    const m = compileOk(mappingText({ a: { const: { type: 'Account' } } }));
    const r = runMapping(m, {});
    expect(() => {
      if (r.ok) ((r.value as Record<string, Record<string, string>>)['a']!)['type'] = 'x';
    }).to.throw(TypeError);
  });
});
