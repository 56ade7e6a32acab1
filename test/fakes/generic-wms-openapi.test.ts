import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'yaml';
import { API_KEY_HEADER } from './generic-wms/auth.js';
import { customerBody, itemBody, orderLine, refParam, address } from './generic-wms/schemas.js';
import { startFake, type GenericWmsFake } from './start.js';
import { call } from './test-helpers.js';

/** Keeps docs/presets/generic-wms.openapi.yaml and the fake in step. */
const here = path.dirname(fileURLToPath(import.meta.url));
const specPath = path.resolve(here, '../../../docs/presets/generic-wms.openapi.yaml');

type Schema = { required?: string[]; properties?: Record<string, unknown>; allOf?: Schema[]; $ref?: string; enum?: string[] };

describe('docs/presets/generic-wms.openapi.yaml vs the fake', () => {
  const spec = parse(readFileSync(specPath, 'utf8')) as {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
    webhooks: Record<string, unknown>;
    components: { schemas: Record<string, Schema>; securitySchemes: Record<string, { name: string; in: string }> };
  };
  const schemas = spec.components.schemas;
  const resolve = (s: Schema): Schema => (s.$ref ? resolve(schemas[s.$ref.split('/').pop()!]!) : s);
  const required = (s: Schema): string[] => [...(resolve(s).required ?? []), ...(resolve(s).allOf ?? []).flatMap(required)];
  const props = (s: Schema): string[] => Object.keys(resolve(s).properties ?? {});

  let fake: GenericWmsFake;
  before(async () => {
    fake = await startFake('generic-wms');
  });
  after(async () => {
    await fake.close();
  });

  it('is OpenAPI 3.1 with the operations the fake serves', () => {
    expect(spec.openapi).to.equal('3.1.0');
    const ops = Object.entries(spec.paths).flatMap(([p, item]) => Object.keys(item).filter((k) => ['get', 'put', 'post', 'delete', 'patch'].includes(k)).map((m) => `${m.toUpperCase()} ${p}`));
    expect(ops.sort()).to.deep.equal(['GET /orders/{reference}', 'GET /stock', 'POST /orders/{reference}/cancel', 'PUT /customers/{ref}', 'PUT /items/{sku}', 'PUT /orders/{reference}', 'GET /receipts/{reference}', 'PUT /receipts/{reference}', 'GET /items', 'GET /customers', 'DELETE /receipts/{reference}', 'GET /events'].sort());
    expect(Object.keys(spec.webhooks).sort()).to.deep.equal(['order.milestone', 'receipt.completed', 'return.received', 'shipment.shipped']);
    expect(spec.components.securitySchemes['apiKey']).to.deep.include({ in: 'header', name: 'X-API-Key' });
    expect(spec.components.securitySchemes['apiKey']!.name.toLowerCase()).to.equal(API_KEY_HEADER);
  });

  it('describes the same request fields as the fake validates', () => {
    expect(props(schemas['OrderLineInput']!).sort()).to.deep.equal(Object.keys(orderLine.shape).sort());
    expect(props(schemas['Address']!).sort()).to.deep.equal(Object.keys(address.shape).sort());
    expect(props(schemas['ItemInput']!).sort()).to.deep.equal(Object.keys(itemBody.shape).sort());
    expect(props(schemas['CustomerInput']!).sort()).to.deep.equal(Object.keys(customerBody.shape).sort());
    const keyPattern = new RegExp((schemas['Key'] as { pattern: string }).pattern);
    for (const k of ['WH/OUT/00042', 'res.partner:7', 'SKU-1_a']) {
      expect(keyPattern.test(k), k).to.equal(true);
      expect(refParam.safeParse(k).success, k).to.equal(true);
    }
    expect(keyPattern.test('a b')).to.equal(refParam.safeParse('a b').success);
  });

  it('matches the fake\'s answers: Order, StockRow and Error shapes', async () => {
    const key = { 'x-api-key': 'wms-test-key' };
    const o = await call(`${fake.baseUrl}/orders/SO-1`, {
      method: 'PUT',
      headers: key,
      body: { ship_to: { name: 'A', street: 'S', city: 'C', zip: 'Z', country: 'FR' }, lines: [{ line_ref: '1', sku: 'X', quantity: 1 }] },
    });
    for (const f of required(schemas['Order']!)) expect(o.json, `Order.${f}`).to.have.property(f);
    fake.sim.setStock([{ sku: 'X', on_hand: 2 }]);
    const s = await call(`${fake.baseUrl}/stock`, { headers: key });
    for (const f of required(schemas['StockRow']!)) expect(s.json.items[0], `StockRow.${f}`).to.have.property(f);
    const e = await call(`${fake.baseUrl}/orders/NOPE`, { headers: key });
    const codes = (resolve(schemas['Error']!).properties!['error'] as { properties: { code: { enum: string[] } } }).properties.code.enum;
    expect(codes).to.include(e.json.error.code);
    const bad = await call(`${fake.baseUrl}/items/X`, { method: 'PUT', headers: key, body: { name: 'x', foo: 1 } });
    expect(codes).to.include(bad.json.error.code);
  });
});
