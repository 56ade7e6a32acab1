import { expect } from 'chai';
import { loadMapping, requiredSpec, runMapping, type CompiledMapping } from '../../bridge/mapping/index.js';
import type { OdooGateway } from '../../bridge/odoo/odoo-gateway.js';

/**
 * The mapping engine's `uom` step against the real Odoo's own conversion
 * (`uom.uom._compute_quantity`), on the units Odoo ships and two made here, for a series:
 * Odoo 18 (categories, factor = units per reference) over XML-RPC in the e2e tier, Odoo 19
 * (unit trees, factor = reference units per unit) over JSON-2 in the JSON-2 tier. The engine
 * compiles the mapping for the series, reads the units with the web_read spec the mapping
 * asks for, and must give Odoo's figure to the last digit, for both rounding methods; pairs
 * of different families are refused by the engine (Odoo 18 refuses them too; Odoo 19 converts
 * anything, the engine keeps refusing: see bridge/mapping/numeric.ts).
 *
 * Odoo's figures come from one server action (`ir.actions.server`, code) whose `action` value
 * carries them back: `_compute_quantity` is not callable over RPC.
 */
export interface UomParityEnv {
  admin: () => OdooGateway;
  major: number;
}

const SHIPPED = ['product_uom_unit', 'product_uom_dozen', 'product_uom_kgm', 'product_uom_gram', 'product_uom_lb', 'product_uom_oz', 'product_uom_meter', 'product_uom_cm', 'product_uom_litre'];
const QUANTITIES = [1, 3, 7, 25, 0.5, 2.675, 1234.5678, 1 / 3];
const METHODS = ['HALF-UP', 'UP', 'DOWN'] as const;

const MAPPING = `direction: outbound
source: uom.uom
system: parity
events: [parity]
output: parity
fields:
  qty:
    path: qty
    pipe:
      - uom: { from: from, to: to, method: $METHOD }
`;

type Unit = Record<string, unknown> & { id: number; name: string };

async function xmlidRes(odoo: OdooGateway, module: string, names: string[]): Promise<Map<string, number>> {
  const rows = await odoo.call<Array<{ name: string; res_id: number }>>({
    model: 'ir.model.data', method: 'search_read',
    params: { domain: [['module', '=', module], ['name', 'in', names]], fields: ['name', 'res_id'] },
  });
  return new Map(rows.map((r) => [r.name, r.res_id]));
}

/** Two units of this suite: a pack of 7 units and a tenth of a litre, made once per database. */
async function ownUnits(odoo: OdooGateway, major: number, ref: Map<string, number>): Promise<number[]> {
  const wanted = [
    { name: 'Parity pack of 7', base: 'product_uom_unit', times: 7 },
    { name: 'Parity decilitre', base: 'product_uom_litre', times: 0.1 },
  ];
  const ids: number[] = [];
  for (const w of wanted) {
    const found = await odoo.call<number[]>({ model: 'uom.uom', method: 'search', params: { domain: [['name', '=', w.name]] } });
    if (found[0]) { ids.push(found[0]); continue; }
    const baseId = ref.get(w.base)!;
    let vals: Record<string, unknown>;
    if (major >= 19) {
      vals = { name: w.name, relative_factor: w.times, relative_uom_id: baseId };
    } else {
      const [base] = await odoo.call<Array<{ category_id: [number, string] }>>({ model: 'uom.uom', method: 'read', ids: [baseId], params: { fields: ['category_id'] } });
      vals = w.times >= 1
        ? { name: w.name, category_id: base!.category_id[0], uom_type: 'bigger', factor_inv: w.times, rounding: 1 }
        : { name: w.name, category_id: base!.category_id[0], uom_type: 'smaller', factor: 1 / w.times, rounding: 0.001 };
    }
    const created = await odoo.call<number | number[]>({ model: 'uom.uom', method: 'create', params: { vals_list: [vals] } });
    ids.push(Array.isArray(created) ? created[0]! : created);
  }
  return ids;
}

/** Odoo's _compute_quantity for every case, or null where Odoo refuses (a UserError; False on the wire: XML-RPC has no None). */
async function odooFigures(odoo: OdooGateway, cases: Array<[number, number, number, string]>): Promise<Array<number | null>> {
  const [model] = await odoo.call<Array<{ id: number }>>({ model: 'ir.model', method: 'search_read', params: { domain: [['model', '=', 'uom.uom']], fields: ['id'] } });
  const code = [
    'out = []',
    // A tuple of tuples is one constant for Python (a long list literal needs opcodes safe_eval forbids).
    `for f, t, q, m in ${JSON.stringify(cases).replace(/\[/g, '(').replace(/\]/g, ')')}:`,
    '    try:',
    "        out.append(env['uom.uom'].browse(f)._compute_quantity(q, env['uom.uom'].browse(t), rounding_method=m))",
    '    except UserError:',
    '        out.append(False)',
    "action = {'type': 'ir.actions.act_window_close', 'figures': out}",
  ].join('\n');
  const created = await odoo.call<number | number[]>({ model: 'ir.actions.server', method: 'create', params: { vals_list: [{ name: 'sync-bridge uom parity', model_id: model!.id, state: 'code', code }] } });
  const id = Array.isArray(created) ? created[0]! : created;
  try {
    const res = await odoo.call<{ figures: Array<number | false> }>({ model: 'ir.actions.server', method: 'run', ids: [id] });
    return res.figures.map((v) => (v === false ? null : v));
  } finally {
    await odoo.call({ model: 'ir.actions.server', method: 'unlink', ids: [id] });
  }
}

export function describeUomParity(title: string, envOf: () => UomParityEnv): void {
  describe(`uom conversion parity with Odoo: ${title}`, function () {
    this.timeout(120_000);
    let env: UomParityEnv;
    let units: Unit[];
    const mappings = new Map<string, CompiledMapping>();

    before(async () => {
      env = envOf();
      const odoo = env.admin();
      const ref = await xmlidRes(odoo, 'uom', SHIPPED);
      expect([...ref.keys()].sort()).to.deep.equal([...SHIPPED].sort());
      const ids = [...SHIPPED.map((n) => ref.get(n)!), ...(await ownUnits(odoo, env.major, ref))];
      for (const m of METHODS) mappings.set(m, loadMapping(MAPPING.replace('$METHOD', m), `uom-parity-${m}.yaml`, { odooSeries: env.major }));
      // The units read exactly as a claim would: with the spec the mapping asks for.
      const spec = (requiredSpec(mappings.get('UP')!) as Record<string, { fields: Record<string, unknown> }>)['from']!.fields;
      units = await odoo.call<Unit[]>({ model: 'uom.uom', method: 'web_read', ids, params: { specification: spec } });
      expect(units).to.have.length(ids.length);
    });

    it('reads the unit fields of its series: category_id up to 18, parent_path from 19', () => {
      const keys = Object.keys(units[0]!);
      if (env.major >= 19) expect(keys).to.include('parent_path').and.not.include('category_id');
      else expect(keys).to.include('category_id').and.not.include('parent_path');
    });

    it('gives Odoo\'s figure for every pair of units of one family, quantity and rounding method; refuses the others', async () => {
      const cases: Array<[number, number, number, string]> = [];
      for (const f of units) for (const t of units) for (const q of QUANTITIES) for (const m of METHODS) cases.push([f.id, t.id, q, m]);
      const figures = await odooFigures(env.admin(), cases);
      expect(figures).to.have.length(cases.length);
      const byId = new Map(units.map((u) => [u.id, u]));
      let compared = 0;
      let refused = 0;
      const mismatches: string[] = [];
      cases.forEach(([f, t, q, m], i) => {
        const r = runMapping(mappings.get(m)!, { qty: q, from: byId.get(f), to: byId.get(t) }, { event: 'parity' });
        const label = `${q} ${byId.get(f)!.name} -> ${byId.get(t)!.name} (${m})`;
        if (r.ok) {
          compared++;
          const engine = (r.value as { qty: number }).qty;
          if (engine !== figures[i]) mismatches.push(`${label}: engine ${engine}, Odoo ${String(figures[i])}`);
        } else {
          refused++;
          if (env.major < 19 && figures[i] !== null) mismatches.push(`${label}: engine refused, Odoo gave ${String(figures[i])}`);
          if (!/different (categories|reference units)/.test(r.errors[0]!.message)) mismatches.push(`${label}: ${r.errors[0]!.message}`);
        }
        if (env.major < 19 && figures[i] === null && r.ok) mismatches.push(`${label}: Odoo refused, engine gave a figure`);
      });
      expect(mismatches, mismatches.slice(0, 10).join('\n')).to.deep.equal([]);
      // Units, dozens, packs of 7 (and the others) are compared; kg -> units and the like are refused.
      expect(compared).to.be.greaterThan(cases.length / 4);
      expect(refused).to.be.greaterThan(cases.length / 4);
    });
  });
}
