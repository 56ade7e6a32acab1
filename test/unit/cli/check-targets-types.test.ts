import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { configSchema, type BridgeConfig } from '../../../bridge/config/schema.js';
import { runCheckTargets } from '../../../bridge/cli/check-targets.js';
import { valueShapes, type ValueKind } from '../../../bridge/mapping/index.js';
import { checkHubSpotProperties, type HubSpotNeed, type HubSpotPropertyDef } from '../../../bridge/connectors/hubspot/schema-check.js';
import { checkSalesforceFields, type SalesforceFieldDescribe, type SalesforceNeed } from '../../../bridge/connectors/salesforce/schema-check.js';
import { silentLog } from '../connectors/helpers.js';
import { setUpOdooPortal } from '../../fakes/hubspot/portal.js';
import { setUpOdooOrg } from '../../fakes/salesforce/org.js';
import { startFake, type HubSpotFake, type SalesforceFake } from '../../fakes/start.js';
import { mappingsDir, siteOf } from './shipped-mappings.js';



const kindsOf = (expr: unknown, vars: Record<string, unknown> = {}): ValueKind[] | undefined => valueShapes(expr, vars)?.map((s) => s.kind);
const site = { file: 'm.yaml', line: 7, col: 5 };

describe('check-targets types: the kind of value a mapping field writes (pure)', () => {
  const cases: Array<[string, unknown, ValueKind[] | undefined]> = [
    ['a path read from data', 'name', ['unknown']],
    ['a path with string: still unknown (an Odoo float as text is a number)', { path: 'qty', pipe: ['string'] }, ['unknown']],
    ['nonempty keeps unknown', { path: 'x', pipe: ['nonempty'] }, ['unknown']],
    ['trim makes text', { path: 'name', pipe: ['trim'] }, ['text']],
    ['upper, prefix, before', { path: 'name', pipe: ['upper', { prefix: 'P-' }, { before: ' ' }] }, ['text']],
    ['truncate makes text', { path: 'name', pipe: [{ truncate: 10 }] }, ['text']],
    ['number steps', { path: 'x', pipe: [{ multiply: 2 }, { round: 2 }] }, ['number']],
    ['fixed: a number as text', { path: 'x', pipe: [{ fixed: 2 }] }, ['numeric_text']],
    ['round then string', { path: 'x', pipe: [{ round: 3 }, 'string'] }, ['numeric_text']],
    ['format_date iso', { path: 'd', pipe: [{ format_date: { format: 'iso' } }] }, ['datetime']],
    ['format_date date', { path: 'd', pipe: [{ format_date: { format: 'date', tz: 'Europe/Brussels' } }] }, ['date']],
    ['format_date odoo', { path: 'd', pipe: [{ format_date: { format: 'odoo' } }] }, ['odoo_datetime']],
    ['format_date epoch_ms, then string', { path: 'd', pipe: [{ format_date: { format: 'epoch_ms' } }, 'string'] }, ['epoch_ms']],
    ['format_date epoch_s', { path: 'd', pipe: [{ format_date: { format: 'epoch_s' } }] }, ['epoch_s']],
    ['format_date time', { path: 'd', pipe: [{ format_date: { format: 'time' } }] }, ['time']],
    ['format_date pattern YYYY-MM-DD', { path: 'd', pipe: [{ format_date: { format: 'YYYY-MM-DD' } }] }, ['date']],
    ['format_date pattern of digits', { path: 'd', pipe: [{ format_date: { format: 'YYYYMMDD' } }] }, ['numeric_text']],
    ['format_date other pattern', { path: 'd', pipe: [{ format_date: { format: 'DD/MM/YYYY' } }] }, ['date_text']],
    ['a date cut by truncate is no longer sure to be a date', { path: 'd', pipe: [{ format_date: { format: 'iso' } }, { truncate: 10 }] }, ['unknown']],
    ['constants by value', { first: [{ const: true }, { const: 3 }, { const: '4.5' }, { const: 'true' }, { const: '2026-01-02' }, { const: '2026-01-02T03:04:05Z' }, { const: 'hello' }] },
      ['boolean', 'number', 'numeric_text', 'boolean_text', 'date', 'datetime', 'text']],
    ['const null writes nothing', { const: null }, []],
    ['if / else branches', { if: { path: 'a', eq: 1 }, then: { path: 'd', pipe: [{ format_date: { format: 'date' } }] }, else: { const: '' } }, ['date', 'text']],
    ['value map outputs; keep_unmatched keeps the input', { path: 's', pipe: [{ map: { table: { a: 1, b: 'x' }, keep_unmatched: true } }] }, ['unknown', 'number', 'text']],
    ['value map of a constant: its own entry only', { const: 'q', pipe: [{ map: { table: { q: true, r: 'x' } } }] }, ['boolean']],
    ['value map of a constant without an entry: the fallback', { first: [{ const: 'z' }, { const: 'q' }], pipe: [{ map: { table: { q: 1 }, fallback: 'none' } }] }, ['text', 'number']],
    ['value map null output: absent', { path: 's', pipe: [{ map: { table: { a: null, b: 2 } } }] }, ['number']],
    ['default goes around the pipe', { path: 'x', default: 'none', pipe: [{ round: 2 }] }, ['number', 'text']],
    ['type: boolean narrows a path', { path: 'active', type: 'boolean' }, ['boolean']],
    ['type: number narrows a path', { path: 'x', type: 'number' }, ['number']],
    ['concat with a separator: text', { concat: ['a', 'b'], sep: ' - ' }, ['text']],
    ['concat without a separator: not sure', { concat: ['a', 'b'] }, ['unknown']],
    ['$vars: a constant', { path: '$vars.p' }, ['text']],
    ['structures are not judged', { fields: { a: 'x' } }, undefined],
  ];
  for (const [name, expr, want] of cases) it(name, () => expect(kindsOf(expr, { p: 'pipe1' })).to.deep.equal(want));

  it('lengths: truncate bounds, prefix adds, a constant is its length, concat of bounded parts', () => {
    expect(valueShapes({ path: 'n', pipe: [{ truncate: 40 }] })![0]!.maxLength).to.deep.equal({ n: 40, via: 'truncate: 40' });
    expect(valueShapes({ path: 'n', pipe: [{ truncate: 40 }, { prefix: 'ID-' }] })![0]!.maxLength!.n).to.equal(43);
    expect(valueShapes({ path: 'n', pipe: [{ truncate: 40 }, { truncate: 300 }] })![0]!.maxLength!.n).to.equal(40);
    expect(valueShapes({ path: 'n', pipe: ['trim'] })![0]!.maxLength).to.equal(undefined);
    expect(valueShapes({ const: 'abcdé' })![0]!.maxLength!.n).to.equal(5);
    expect(valueShapes({ concat: [{ const: 'ab' }, { path: 'x', pipe: [{ truncate: 5 }] }], sep: ', ' })![0]!.maxLength!.n).to.equal(9);
    expect(valueShapes({ concat: [{ const: 'ab' }, 'x'], sep: ', ' })![0]!.maxLength).to.equal(undefined);
  });
});

/** The problems of one HubSpot property write (deals.p) of the given definition. */
function hubspot(def: Omit<HubSpotPropertyDef, 'name'>, expr: unknown): string[] {
  const shapes = valueShapes(expr);
  const need: HubSpotNeed = { objectType: 'deals', property: 'p', site, ...(shapes ? { shapes } : {}) };
  return checkHubSpotProperties([need], new Map([['deals', [{ name: 'p', ...def }]]])).map((p) => p.problem);
}

describe('check-targets types: HubSpot property type (table)', () => {
  const num = { type: 'number', fieldType: 'number' };
  const bool = { type: 'bool', fieldType: 'booleancheckbox' };
  const date = { type: 'date', fieldType: 'date' };
  const datetime = { type: 'datetime', fieldType: 'date' };
  const str = { type: 'string', fieldType: 'text' };
  const MIDNIGHT = Date.UTC(2026, 0, 2);
  const cases: Array<[string, Omit<HubSpotPropertyDef, 'name'>, unknown, RegExp | null]> = [
    ['text (trim) into a number property', num, { path: 'name', pipe: ['trim'] }, /^the mapping writes text \(trim\) into a number property \(HubSpot takes digits/],
    ['a concatenation into a number property', num, { concat: ['a', 'b'], sep: ' - ' }, /writes text \(concat\) into a number property/],
    ['fixed into a number property: fits', num, { path: 'x', pipe: [{ fixed: 2 }] }, null],
    ['round, string into a number property: fits', num, { path: 'x', pipe: [{ round: 3 }, 'string'] }, null],
    ['a path as is into a number property: not judged', num, 'name', null],
    ['string of a path into a number property: not judged', num, { path: 'qty', pipe: ['string'] }, null],
    ['a date-time format into a number property', num, { path: 'd', pipe: [{ format_date: { format: 'iso' } }] }, /writes a date-time \(ISO 8601\) \(format_date iso\) into a number property/],
    ['a value-map output that is not a number', num, { path: 's', pipe: [{ map: { table: { a: '1', b: 'high' } } }] }, /^the mapping writes value map output 'high' into a number property/],
    ['a date-time format into a date property', date, { path: 'd', pipe: [{ format_date: { format: 'iso' } }] }, /format_date iso\) into a date property \(HubSpot takes midnight UTC as epoch milliseconds, or YYYY-MM-DD\)$/],
    ["Odoo's date-time format into a date property", date, { path: 'd', pipe: [{ format_date: { format: 'odoo' } }] }, /format_date odoo\) into a date property/],
    ['type: datetime into a date property', date, { path: 'd', type: 'datetime' }, /a date-time \(type: datetime\) into a date property/],
    ['epoch seconds into a date property', date, { path: 'd', pipe: [{ format_date: { format: 'epoch_s' } }] }, /epoch seconds/],
    ['a date into a date property: fits', date, { path: 'd', pipe: [{ format_date: { format: 'date' } }] }, null],
    ['epoch ms into a date property: not judged (midnight when the input is a date)', date, { path: 'd', pipe: [{ format_date: { format: 'epoch_ms' } }] }, null],
    ['one bad branch of first: reported, "" clears', date, { first: [{ path: 'd', pipe: [{ format_date: { format: 'iso' } }] }, { const: '' }] }, /format_date iso\) into a date property/],
    ['a midnight UTC epoch constant into a date property: fits', date, { const: MIDNIGHT }, null],
    ['an epoch constant not at midnight into a date property', date, { const: MIDNIGHT + 3_600_000 }, /writes constant 1767315600000 into a date property/],
    ['a date-time constant into a date property', date, { const: '2026-01-02T10:00:00Z' }, /constant '2026-01-02T10:00:00Z' into a date property/],
    ['a time of day into a datetime property', datetime, { path: 'd', pipe: [{ format_date: { format: 'time' } }] }, /a time of day \(HH:MM:SS\) \(format_date time\) into a datetime property/],
    ['epoch ms into a datetime property: fits', datetime, { path: 'd', pipe: [{ format_date: { format: 'epoch_ms' } }, 'string'] }, null],
    ['a date into a datetime property: fits', datetime, { path: 'd', pipe: [{ format_date: { format: 'date' } }] }, null],
    ['a text constant into a datetime property', datetime, { const: 'soon' }, /constant 'soon' into a datetime property/],
    ["a non-boolean constant into a bool property", bool, { const: 'yes' }, /^the mapping writes constant 'yes' into a bool property \(HubSpot takes true or false\)$/],
    ['a number into a bool property', bool, { path: 'x', pipe: [{ round: 0 }] }, /a number \(round\) into a bool property/],
    ['true / "false" into a bool property: fit', bool, { if: { path: 'a', eq: 1 }, then: { const: true }, else: { const: 'false' } }, null],
    ['type: boolean into a bool property: fits', bool, { path: 'active', type: 'boolean' }, null],
    ['a single-checkbox dropdown takes true/false: a number is refused', { type: 'enumeration', fieldType: 'booleancheckbox', options: [{ value: 'true' }, { value: 'false' }] }, { path: 'x', pipe: [{ round: 0 }] }, /into a bool property/],
    ['anything into a string property', str, { first: [{ const: true }, { path: 'x', pipe: [{ round: 1 }] }, { path: 'd', pipe: [{ format_date: { format: 'iso' } }] }] }, null],
    ['truncate past 65,536 into a string property', str, { path: 'n', pipe: [{ truncate: 70000 }] }, /^the mapping writes up to 70000 characters \(truncate: 70000\); HubSpot keeps at most 65536 in a string property$/],
    ['truncate 65000 into a string property: fits', str, { path: 'n', pipe: [{ truncate: 65000 }] }, null],
    ['a read-only property: only that problem', { ...num, modificationMetadata: { readOnlyValue: true } }, { path: 'n', pipe: ['trim'] }, /^read-only property/],
  ];
  for (const [name, def, expr, want] of cases) {
    it(name, () => {
      const problems = hubspot(def, expr);
      if (want === null) expect(problems).to.deep.equal([]);
      else {
        expect(problems, problems.join('\n')).to.have.length(1);
        expect(problems[0]).to.match(want);
      }
    });
  }

  it('a dropdown value missing is reported by the dropdown check only (not again as a type problem)', () => {
    const shapes = valueShapes({ const: 'yes' })!;
    const problems = checkHubSpotProperties([{ objectType: 'deals', property: 'p', values: ['yes'], shapes, site }],
      new Map([['deals', [{ name: 'p', type: 'enumeration', fieldType: 'booleancheckbox', options: [{ value: 'true' }, { value: 'false' }] }]]]));
    expect(problems.map((p) => p.problem)).to.deep.equal(["dropdown has no option 'yes' (the mapping can write it)"]);
  });
});

/** The problems of one Salesforce field write (Opportunity.F) of the given describe. */
function salesforce(def: Omit<SalesforceFieldDescribe, 'name'>, expr: unknown): string[] {
  const shapes = valueShapes(expr);
  const need: SalesforceNeed = { sobject: 'Opportunity', field: 'F', mayCreate: true, site, ...(shapes ? { shapes } : {}) };
  return checkSalesforceFields([need], new Map([['Opportunity', [{ name: 'F', createable: true, updateable: true, ...def }]]])).map((p) => p.problem);
}

describe('check-targets types: Salesforce describe type and length (table)', () => {
  const cases: Array<[string, Omit<SalesforceFieldDescribe, 'name'>, unknown, RegExp | null]> = [
    ['text (trim) into a double', { type: 'double' }, { path: 'name', pipe: ['trim'] }, /^the mapping writes text \(trim\) into a number field \(double\)$/],
    ['round into a currency: fits', { type: 'currency' }, { path: 'x', pipe: [{ round: 2 }] }, null],
    ['fixed into a percent: fits (a numeric string)', { type: 'percent' }, { path: 'x', pipe: [{ fixed: 2 }] }, null],
    ['a path as is into an int: not judged', { type: 'int' }, 'x', null],
    ['a boolean constant into a double', { type: 'double' }, { const: true }, /constant true into a number field \(double\)/],
    ['an empty string into a currency', { type: 'currency' }, { const: '' }, /constant '' into a number field \(currency\)/],
    ['a date-time format into a date', { type: 'date' }, { path: 'd', pipe: [{ format_date: { format: 'iso' } }] }, /format_date iso\) into a date field \(Salesforce takes YYYY-MM-DD\) \(date\)$/],
    ['epoch ms into a date', { type: 'date' }, { path: 'd', pipe: [{ format_date: { format: 'epoch_ms' } }] }, /epoch milliseconds \(format_date epoch_ms\) into a date field/],
    ['a date into a date: fits', { type: 'date' }, { path: 'd', pipe: [{ format_date: { format: 'date' } }] }, null],
    ['epoch ms into a datetime', { type: 'datetime' }, { path: 'd', pipe: [{ format_date: { format: 'epoch_ms' } }] }, /into a date\/time field \(Salesforce takes an ISO 8601 string\) \(datetime\)$/],
    ['iso into a datetime: fits', { type: 'datetime' }, { path: 'd', pipe: [{ format_date: { format: 'iso' } }] }, null],
    ["Odoo's format into a datetime: not judged", { type: 'datetime' }, { path: 'd', pipe: [{ format_date: { format: 'odoo' } }] }, null],
    ['a non-boolean constant into a checkbox', { type: 'boolean' }, { if: { path: 'a', eq: 1 }, then: { const: 'yes' }, else: { const: false } }, /^the mapping writes constant 'yes' into a checkbox \(boolean\) field/],
    ['type: boolean into a checkbox: fits', { type: 'boolean' }, { path: 'active', type: 'boolean' }, null],
    ['a number into a reference', { type: 'reference' }, { path: 'x', pipe: [{ add: 1 }] }, /a number \(add\) into a reference field/],
    ['an external id into a reference: fits', { type: 'reference' }, { external_id: { model: 'res.partner', of: 'partner_id' } }, null],
    ['a number constant into a picklist: the picklist check decides', { type: 'picklist', picklistValues: [] }, { const: 3 }, null],
    ['truncate past the length of a string field', { type: 'string', length: 80 }, { path: 'n', pipe: [{ truncate: 255 }] }, /^the mapping writes up to 255 characters \(truncate: 255\); the field holds 80 \(string\(80\)\)$/],
    ['truncate to the length: fits', { type: 'string', length: 80 }, { path: 'n', pipe: [{ truncate: 80 }] }, null],
    ['truncate then a prefix past the length', { type: 'phone', length: 40 }, { path: 'n', pipe: [{ truncate: 40 }, { prefix: '+' }] }, /up to 41 characters \(truncate: 40 \+ prefix '\+'\); the field holds 40 \(phone\(40\)\)/],
    ['a constant longer than a textarea', { type: 'textarea', length: 10 }, { const: 'a'.repeat(11) }, /up to 11 characters \(constant of 11 characters\); the field holds 10 \(textarea\(10\)\)/],
    ['text without truncate: its length is the data\'s (not reported)', { type: 'string', length: 10 }, { path: 'n', pipe: ['trim'] }, null],
    ['a field the user may not update: only that problem', { type: 'double', updateable: false }, { path: 'name', pipe: ['trim'] }, /^not updateable/],
  ];
  for (const [name, def, expr, want] of cases) {
    it(name, () => {
      const problems = salesforce(def, expr);
      if (want === null) expect(problems).to.deep.equal([]);
      else {
        expect(problems, problems.join('\n')).to.have.length(1);
        expect(problems[0]).to.match(want);
      }
    });
  }
});

/** Runs the command; returns exit code and stdout lines. */
async function run(config: BridgeConfig, secrets: Record<string, string>): Promise<{ code: number; lines: string[] }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => { text += d.toString(); });
  const secret = (ref: { env: string } | { secret: string }) => secrets['env' in ref ? ref.env : ref.secret] ?? '';
  const code = await runCheckTargets({ config, secret, log: silentLog }, [], out, new PassThrough());
  return { code, lines: text.trim().split('\n') };
}

function configOf(targets: Record<string, unknown>): BridgeConfig {
  return configSchema.parse({ odoo: { url: 'http://127.0.0.1:9', db: 'x', username: 'x', api_key: { env: 'X' } }, mappings: { dir: mappingsDir }, targets });
}

describe('sync-bridge check-targets: types and lengths against the fakes (shipped mappings)', function () {
  this.timeout(30_000);

  describe('HubSpot', () => {
    let hs: HubSpotFake;
    const cfg = () => configOf({ crm_hs: { preset: 'hubspot', base_url: hs.url, auth: { type: 'bearer', token: { env: 'HS' } }, options: { id_property: 'odoo_partner_id', deal_id_property: 'odoo_order_id' } } });
    beforeEach(async () => { hs = await startFake('hubspot'); setUpOdooPortal(hs); });
    afterEach(async () => hs?.close());

    it('the shipped mappings fit the documented property types: exit 0; the fake serves type and fieldType', async () => {
      const r = await run(cfg(), { HS: 'hubspot-test-token' });
      expect(r.lines, r.lines.join('\n')).to.have.length(1);
      expect(r.lines[0]).to.match(/^crm_hs: ok /);
      expect(r.code).to.equal(0);
      const props = await (await fetch(`${hs.url}/crm/v3/properties/companies`, { headers: { authorization: 'Bearer hubspot-test-token' } })).json() as { results: HubSpotPropertyDef[] };
      expect(props.results.find((p) => p.name === 'description')).to.include({ type: 'string', fieldType: 'textarea' });
      expect(props.results.find((p) => p.name === 'phone')).to.include({ type: 'string', fieldType: 'phonenumber' });
      expect(props.results.find((p) => p.name === 'numberofemployees')).to.include({ type: 'number', fieldType: 'number' });
    });

    it('a property of another type than the mapping writes: one line each with the mapping line, exit 1', async () => {
      hs.schema.products['odoo_atp'] = { type: 'bool' };
      hs.schema.deals['odoo_invoice_refs'] = { type: 'number' };
      const r = await run(cfg(), { HS: 'hubspot-test-token' });
      expect(r.code).to.equal(1);
      expect(r.lines).to.deep.equal([
        `crm_hs: deals.odoo_invoice_refs: the mapping writes text (truncate) into a number property (HubSpot takes digits with at most one decimal point) (${siteOf('hubspot/order_status.yaml', 'odoo_invoice_refs')})`,
        `crm_hs: products.odoo_atp: the mapping writes a number as text (round, string) into a bool property (HubSpot takes true or false) (${siteOf('hubspot/product_atp.yaml', 'odoo_atp')})`,
        'crm_hs: 2 problems',
      ]);
    });
  });

  describe('Salesforce', () => {
    let sf: SalesforceFake;
    const cfg = () => configOf({ crm_sf: { preset: 'salesforce', base_url: `${sf.url}/services/data/v61.0/`, auth: { type: 'oauth2_client_credentials', token_url: `${sf.url}/services/oauth2/token`, client_id: sf.clientId, client_secret: { env: 'SF' } } } });
    beforeEach(async () => { sf = await startFake('salesforce'); setUpOdooOrg(sf); });
    afterEach(async () => sf?.close());

    it('the shipped mappings fit the describe (types, truncate within each length): exit 0; the describe has the real lengths', async () => {
      const r = await run(cfg(), { SF: sf.clientSecret });
      expect(r.lines, r.lines.join('\n')).to.have.length(1);
      expect(r.lines[0]).to.match(/^crm_sf: ok /);
      expect(r.code).to.equal(0);
      const token = await (await fetch(`${sf.url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sf.clientId, client_secret: sf.clientSecret }) })).json() as { access_token: string };
      const d = await (await fetch(`${sf.url}/services/data/v61.0/sobjects/Product2/describe`, { headers: { authorization: `Bearer ${token.access_token}` } })).json() as { fields: SalesforceFieldDescribe[] };
      expect(d.fields.find((f) => f.name === 'Description')).to.include({ type: 'textarea', length: 4000 });
    });

    it('a shorter field than the truncate, a date field written a date-time: one line each, exit 1', async () => {
      sf.store.objects['Product2']!.fields['Description'] = { type: 'textarea', length: 255 };
      sf.store.objects['Opportunity']!.fields['Odoo_Delivered_At__c'] = { type: 'date' };
      const r = await run(cfg(), { SF: sf.clientSecret });
      expect(r.code).to.equal(1);
      expect(r.lines).to.deep.equal([
        `crm_sf: Opportunity.Odoo_Delivered_At__c: the mapping writes a date-time (ISO 8601) (format_date iso) into a date field (Salesforce takes YYYY-MM-DD) (date) (${siteOf('salesforce/order_status.yaml', 'Odoo_Delivered_At__c')})`,
        `crm_sf: Product2.Description: the mapping writes up to 4000 characters (truncate: 4000); the field holds 255 (textarea(255)) (${siteOf('salesforce/product_upsert.yaml', 'Description')})`,
        'crm_sf: 2 problems',
      ]);
    });
  });
});
