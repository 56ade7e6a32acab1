/**
 * Property access with run-time names, split over many static access sites.
 *
 * A compiled mapping reads and writes properties whose names are only known at run time
 * (`o[k]`). V8 keeps one inline cache per access site in the source: a single generic site sees
 * every name of every mapping and goes megamorphic, which costs a hash probe (loads) or a
 * descriptor search (stores) per access, several times the cost of the same access in
 * hand-written code. Here each property name of each mapping file gets its own slot (first come,
 * first served, process wide), and each slot its own site in the switches below: a site then
 * sees one name of one mapping, so the few object shapes of that mapping's records, and V8
 * handles it like `o.name` in hand-written code.
 *
 * Slots are per mapping file, not per name: a sidecar runs every mapping of its targets in one
 * process, and a site shared by the `name` of sale orders, partners, products and WMS payloads
 * sees too many shapes and goes megamorphic (bench/mapping.ts, second phase: 1.4-1.5x slower with
 * slots per name). A new version of a file reuses the file's slots.
 *
 * The sites are SLOT_GROUPS groups of GROUP_SIZE: getSlot / setSlot switch on the group and call
 * its function, which switches on the slot. The two levels keep each function small enough for
 * the optimiser to inline into the engine's readers (a flat switch of 512 sites would not be), and
 * a mapping's slots are consecutive, so one mapping touches one to three groups. 512 slots hold
 * the shipped mappings of one WMS and one CRM preset (340-400 names). Names beyond the
 * slots use the shared site (correct, just not faster). Static code only: no code is generated at
 * run time; the cases are uniform by construction.
 */

/** Sites per group. */
export const GROUP_SIZE = 32;
/** Groups of sites. */
export const SLOT_GROUPS = 16;
export const SLOT_COUNT = GROUP_SIZE * SLOT_GROUPS;

const slotOfKey = new Map<string, number>();
/** The mapping file whose names are being given slots (set by withSlotOwner while compiling). */
let owner = '';

/** Runs `fn` (the compilation of mapping `file`) with slots handed out for that file. */
export function withSlotOwner<T>(file: string, fn: () => T): T {
  const previous = owner;
  owner = file;
  try {
    return fn();
  } finally {
    owner = previous;
  }
}

/** The slot of a property name in the mapping being compiled (SLOT_COUNT when all are taken: the shared site). */
export function slotOf(name: string): number {
  const key = owner + '\u0000' + name;
  let s = slotOfKey.get(key);
  if (s === undefined) {
    s = slotOfKey.size < SLOT_COUNT ? slotOfKey.size : SLOT_COUNT;
    if (s < SLOT_COUNT) slotOfKey.set(key, s);
  }
  return s;
}

/** How many slots are taken (for tests and benchmarks). */
export function slotsTaken(): number {
  return slotOfKey.size;
}



/** `o[k]` at the site of `slot` (o is a plain object, k the name the slot was given for). */
export function getSlot(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot >> 5) {
    case 0: return get0(o, slot, k);
    case 1: return get1(o, slot, k);
    case 2: return get2(o, slot, k);
    case 3: return get3(o, slot, k);
    case 4: return get4(o, slot, k);
    case 5: return get5(o, slot, k);
    case 6: return get6(o, slot, k);
    case 7: return get7(o, slot, k);
    case 8: return get8(o, slot, k);
    case 9: return get9(o, slot, k);
    case 10: return get10(o, slot, k);
    case 11: return get11(o, slot, k);
    case 12: return get12(o, slot, k);
    case 13: return get13(o, slot, k);
    case 14: return get14(o, slot, k);
    case 15: return get15(o, slot, k);
    default: return o[k];
  }
}

/** `o[k] = v` at the site of `slot` (o is a plain object built by the engine, k a checked name). */
export function setSlot(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot >> 5) {
    case 0: set0(o, slot, k, v); return;
    case 1: set1(o, slot, k, v); return;
    case 2: set2(o, slot, k, v); return;
    case 3: set3(o, slot, k, v); return;
    case 4: set4(o, slot, k, v); return;
    case 5: set5(o, slot, k, v); return;
    case 6: set6(o, slot, k, v); return;
    case 7: set7(o, slot, k, v); return;
    case 8: set8(o, slot, k, v); return;
    case 9: set9(o, slot, k, v); return;
    case 10: set10(o, slot, k, v); return;
    case 11: set11(o, slot, k, v); return;
    case 12: set12(o, slot, k, v); return;
    case 13: set13(o, slot, k, v); return;
    case 14: set14(o, slot, k, v); return;
    case 15: set15(o, slot, k, v); return;
    default: o[k] = v;
  }
}

// One site per slot: group g holds slots 32g to 32g + 31.

function get0(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get1(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get2(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get3(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get4(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get5(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get6(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get7(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get8(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get9(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get10(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get11(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get12(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get13(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get14(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function get15(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot & 31) {
    case 0: return o[k];
    case 1: return o[k];
    case 2: return o[k];
    case 3: return o[k];
    case 4: return o[k];
    case 5: return o[k];
    case 6: return o[k];
    case 7: return o[k];
    case 8: return o[k];
    case 9: return o[k];
    case 10: return o[k];
    case 11: return o[k];
    case 12: return o[k];
    case 13: return o[k];
    case 14: return o[k];
    case 15: return o[k];
    case 16: return o[k];
    case 17: return o[k];
    case 18: return o[k];
    case 19: return o[k];
    case 20: return o[k];
    case 21: return o[k];
    case 22: return o[k];
    case 23: return o[k];
    case 24: return o[k];
    case 25: return o[k];
    case 26: return o[k];
    case 27: return o[k];
    case 28: return o[k];
    case 29: return o[k];
    case 30: return o[k];
    default: return o[k];
  }
}

function set0(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set1(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set2(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set3(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set4(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set5(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set6(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set7(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set8(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set9(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set10(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set11(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set12(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set13(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set14(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}

function set15(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot & 31) {
    case 0: o[k] = v; return;
    case 1: o[k] = v; return;
    case 2: o[k] = v; return;
    case 3: o[k] = v; return;
    case 4: o[k] = v; return;
    case 5: o[k] = v; return;
    case 6: o[k] = v; return;
    case 7: o[k] = v; return;
    case 8: o[k] = v; return;
    case 9: o[k] = v; return;
    case 10: o[k] = v; return;
    case 11: o[k] = v; return;
    case 12: o[k] = v; return;
    case 13: o[k] = v; return;
    case 14: o[k] = v; return;
    case 15: o[k] = v; return;
    case 16: o[k] = v; return;
    case 17: o[k] = v; return;
    case 18: o[k] = v; return;
    case 19: o[k] = v; return;
    case 20: o[k] = v; return;
    case 21: o[k] = v; return;
    case 22: o[k] = v; return;
    case 23: o[k] = v; return;
    case 24: o[k] = v; return;
    case 25: o[k] = v; return;
    case 26: o[k] = v; return;
    case 27: o[k] = v; return;
    case 28: o[k] = v; return;
    case 29: o[k] = v; return;
    case 30: o[k] = v; return;
    default: o[k] = v;
  }
}
