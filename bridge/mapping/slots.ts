/**
 * Property access with run-time names, split over many static access sites.
 *
 * A compiled mapping reads and writes properties whose names are only known at run time
 * (`o[k]`). V8 keeps one inline cache per access site in the source: a single generic site sees
 * every name of every mapping and goes megamorphic, which costs a hash probe (loads) or a
 * descriptor search (stores) per access, several times the cost of the same access in
 * hand-written code. Here each property name gets its own slot (first come, first served, process
 * wide), and each slot its own site in the switches below: a site then sees one name and a few
 * object shapes, and V8 handles it like `o.name` in hand-written code. Names beyond the slots use
 * the shared site (correct, just not faster). Static code only: no code is generated at run time.
 */

export const SLOT_COUNT = 48;
const slotOfName = new Map<string, number>();

/** The slot of a property name (SLOT_COUNT when all slots are taken: the shared site). */
export function slotOf(name: string): number {
  let s = slotOfName.get(name);
  if (s === undefined) {
    s = slotOfName.size < SLOT_COUNT ? slotOfName.size : SLOT_COUNT;
    if (s < SLOT_COUNT) slotOfName.set(name, s);
  }
  return s;
}

/** `o[k]` at the site of `slot` (o is a plain object, k the name the slot was given for). */
export function getSlot(o: Record<string, unknown>, slot: number, k: string): unknown {
  switch (slot) {
    case 0:
      return o[k];
    case 1:
      return o[k];
    case 2:
      return o[k];
    case 3:
      return o[k];
    case 4:
      return o[k];
    case 5:
      return o[k];
    case 6:
      return o[k];
    case 7:
      return o[k];
    case 8:
      return o[k];
    case 9:
      return o[k];
    case 10:
      return o[k];
    case 11:
      return o[k];
    case 12:
      return o[k];
    case 13:
      return o[k];
    case 14:
      return o[k];
    case 15:
      return o[k];
    case 16:
      return o[k];
    case 17:
      return o[k];
    case 18:
      return o[k];
    case 19:
      return o[k];
    case 20:
      return o[k];
    case 21:
      return o[k];
    case 22:
      return o[k];
    case 23:
      return o[k];
    case 24:
      return o[k];
    case 25:
      return o[k];
    case 26:
      return o[k];
    case 27:
      return o[k];
    case 28:
      return o[k];
    case 29:
      return o[k];
    case 30:
      return o[k];
    case 31:
      return o[k];
    case 32:
      return o[k];
    case 33:
      return o[k];
    case 34:
      return o[k];
    case 35:
      return o[k];
    case 36:
      return o[k];
    case 37:
      return o[k];
    case 38:
      return o[k];
    case 39:
      return o[k];
    case 40:
      return o[k];
    case 41:
      return o[k];
    case 42:
      return o[k];
    case 43:
      return o[k];
    case 44:
      return o[k];
    case 45:
      return o[k];
    case 46:
      return o[k];
    case 47:
      return o[k];
    default:
      return o[k];
  }
}

/** `o[k] = v` at the site of `slot` (o is a plain object built by the engine, k a checked name). */
export function setSlot(o: Record<string, unknown>, slot: number, k: string, v: unknown): void {
  switch (slot) {
    case 0:
      o[k] = v;
      return;
    case 1:
      o[k] = v;
      return;
    case 2:
      o[k] = v;
      return;
    case 3:
      o[k] = v;
      return;
    case 4:
      o[k] = v;
      return;
    case 5:
      o[k] = v;
      return;
    case 6:
      o[k] = v;
      return;
    case 7:
      o[k] = v;
      return;
    case 8:
      o[k] = v;
      return;
    case 9:
      o[k] = v;
      return;
    case 10:
      o[k] = v;
      return;
    case 11:
      o[k] = v;
      return;
    case 12:
      o[k] = v;
      return;
    case 13:
      o[k] = v;
      return;
    case 14:
      o[k] = v;
      return;
    case 15:
      o[k] = v;
      return;
    case 16:
      o[k] = v;
      return;
    case 17:
      o[k] = v;
      return;
    case 18:
      o[k] = v;
      return;
    case 19:
      o[k] = v;
      return;
    case 20:
      o[k] = v;
      return;
    case 21:
      o[k] = v;
      return;
    case 22:
      o[k] = v;
      return;
    case 23:
      o[k] = v;
      return;
    case 24:
      o[k] = v;
      return;
    case 25:
      o[k] = v;
      return;
    case 26:
      o[k] = v;
      return;
    case 27:
      o[k] = v;
      return;
    case 28:
      o[k] = v;
      return;
    case 29:
      o[k] = v;
      return;
    case 30:
      o[k] = v;
      return;
    case 31:
      o[k] = v;
      return;
    case 32:
      o[k] = v;
      return;
    case 33:
      o[k] = v;
      return;
    case 34:
      o[k] = v;
      return;
    case 35:
      o[k] = v;
      return;
    case 36:
      o[k] = v;
      return;
    case 37:
      o[k] = v;
      return;
    case 38:
      o[k] = v;
      return;
    case 39:
      o[k] = v;
      return;
    case 40:
      o[k] = v;
      return;
    case 41:
      o[k] = v;
      return;
    case 42:
      o[k] = v;
      return;
    case 43:
      o[k] = v;
      return;
    case 44:
      o[k] = v;
      return;
    case 45:
      o[k] = v;
      return;
    case 46:
      o[k] = v;
      return;
    case 47:
      o[k] = v;
      return;
    default:
      o[k] = v;
  }
}
