/**
 * Where the compiled mapping spends its time, next to the hand-written code of bench/mapping.ts.
 * Run: node dist/bench/mapping-breakdown.js [orders]   (default 10,000 orders of 20 lines)
 *
 * 1. The record part and the lines part of mappings/shipbob/order_release.yaml: the same orders
 *    with their lines removed, then with them (the lines part is the difference), compiled and
 *    hand-written, timed alternately (best of 10 each).
 * 2. One construct at a time: small mappings over the same orders, in ns per order line, to see
 *    what a filter, a field read, a pipe function or a type check costs in a list. Each runs in
 *    a process of its own: the engine's code is shared by every mapping a process runs, and
 *    what the optimiser learnt from one mapping slows the next (which is also why a sidecar
 *    running many mappings is slower per record than this single-mapping bench).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadMapping, runMapping, type CompiledMapping } from '../bridge/mapping/index.js';
import { handWritten, LINES, makeOrder } from './mapping-data.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const ORDERS = Number(process.argv[2] ?? 10_000);
const CONSTRUCT = process.argv[3] === '--construct' ? Number(process.argv[4]) : -1;
const ROUNDS = 10;
const vars = { shipbob_location_id: 7, shipbob_shipping_method: 'Next Day' };
const ctx = { event: 'release', vars };

function best(fn: () => void): number {
  let b = Infinity;
  for (let k = 0; k < ROUNDS; k++) {
    const t0 = process.hrtime.bigint();
    fn();
    const ns = Number(process.hrtime.bigint() - t0);
    if (ns < b) b = ns;
  }
  return b;
}

/** Best times of the compiled mapping and the hand-written code, timed alternately. */
function pair(m: CompiledMapping, orders: Record<string, unknown>[]): [number, number] {
  let sink = 0;
  let c = Infinity;
  let h = Infinity;
  for (let k = 0; k < ROUNDS; k++) {
    c = Math.min(c, best(() => { for (const o of orders) if (runMapping(m, o, ctx).ok) sink++; }));
    h = Math.min(h, best(() => { for (const o of orders) if (handWritten(o, vars)) sink++; }));
  }
  if (sink === 0) throw new Error('nothing mapped');
  return [c, h];
}

const HEAD = 'direction: outbound\nsource: sale.order\nsystem: shipbob\nevents: [release]\noutput: shipbob.order\nfields:\n  products:\n    each: order_line\n';
const WHERE1 = '    where: { path: display_type, exists: false }\n';
const CONSTRUCTS: [string, string][] = [
  ['each, constant value (the loop itself)', '    value: { const: 1 }\n'],
  ['+ where: one comparison', WHERE1 + '    value: { const: 1 }\n'],
  ['+ where: the three comparisons of the mapping', '    where:\n      all:\n        - { path: display_type, exists: false }\n        - { path: product_id.type, ne: service }\n        - { path: product_uom_qty, gt: 0 }\n    value: { const: 1 }\n'],
  ['+ fields: one path of 1 name, integer', WHERE1 + '    fields:\n      external_line_id: { path: id, type: integer }\n'],
  ['+ fields: one path of 2 names', WHERE1 + '    fields:\n      name: { path: product_id.name }\n'],
  ['+ fields: one path of 2 names, truncate', WHERE1 + '    fields:\n      name: { path: product_id.name, pipe: [{ truncate: 255 }] }\n'],
  ['+ fields: one path, round: 2', WHERE1 + '    fields:\n      unit_price: { path: price_unit, pipe: [{ round: 2 }] }\n'],
  ['+ fields: one path, uom', WHERE1 + '    fields:\n      quantity: { path: product_uom_qty, type: integer, pipe: [{ uom: { from: product_uom, to: product_id.uom_id } }] }\n'],
];

/** Part 2, in a child process: one construct, ns per order line. */
function construct(i: number, orders: Record<string, unknown>[]): void {
  const [label, body] = CONSTRUCTS[i]!;
  const m = loadMapping(HEAD + body, 'breakdown.yaml');
  const r = runMapping(m, orders[0], ctx);
  if (!r.ok) throw new Error(`${label}: ${JSON.stringify(r.errors)}`);
  let sink = 0;
  const ns = best(() => { for (const o of orders) if (runMapping(m, o, ctx).ok) sink++; });
  console.log(`${label.padEnd(48)} ${(ns / (ORDERS * LINES)).toFixed(1).padStart(6)} ns${sink === 0 ? '?' : ''}`);
}

function main(): void {
  const orders = Array.from({ length: ORDERS }, (_, i) => makeOrder(i + 1));
  if (CONSTRUCT >= 0) return construct(CONSTRUCT, orders);
  const file = 'mappings/shipbob/order_release.yaml';
  const mapping = loadMapping(readFileSync(ROOT + file, 'utf8'), file);
  const heads = orders.map((o) => ({ ...o, order_line: [] }));
  const ms = (ns: number) => `${(ns / 1e6).toFixed(1).padStart(6)} ms`;

  const [cr, hr] = pair(mapping, heads);
  const [cf, hf] = pair(mapping, orders);
  console.log(`${ORDERS} orders of ${LINES} lines, best of ${ROUNDS}x${ROUNDS}     compiled   hand-written   ratio`);
  const row = (label: string, c: number, h: number) => console.log(`${label.padEnd(40)} ${ms(c)}   ${ms(h)}      ${(c / h).toFixed(2)}x`);
  row('record fields (orders without lines)', cr, hr);
  row('lines (difference)', cf - cr, hf - hr);
  row('whole mapping', cf, hf);

  console.log('\none construct at a time (compiled, a process each), ns per order line:');
  for (let i = 0; i < CONSTRUCTS.length; i++) {
    const r = spawnSync(process.execPath, [process.argv[1]!, String(ORDERS), '--construct', String(i)], { encoding: 'utf8' });
    process.stdout.write(r.status === 0 ? r.stdout : `${CONSTRUCTS[i]![0]}: failed\n${r.stderr}`);
  }
}

main();
