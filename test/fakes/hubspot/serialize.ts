import { assocKey, assocType } from './associations.js';
import { DEFAULT_READ, SINGULAR, type ObjectType } from './properties.js';
import type { HsRecord } from './store.js';

/** SimplePublicObject: {id, properties, createdAt, updatedAt, archived, associations?}. */
export function objectJson(rec: HsRecord, props?: string[] | 'all', associations?: ObjectType[]) {
  const names = props === 'all' ? Object.keys(rec.properties) : props && props.length ? [...new Set([...props, 'hs_object_id', 'createdate', rec.type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate'])] : DEFAULT_READ[rec.type];
  const properties: Record<string, string | null> = {};
  for (const n of names) if (n in rec.properties || (props && props !== 'all')) properties[n] = rec.properties[n] ?? null;
  const out: Record<string, unknown> = { id: rec.id, properties, createdAt: rec.createdAt, updatedAt: rec.updatedAt, archived: rec.archived };
  if (associations && associations.length) {
    const a: Record<string, { results: Array<{ id: string; type: string }> }> = {};
    for (const t of associations) {
      const list = rec.associations.get(t) ?? [];
      if (list.length)
        a[assocKey(t)] = { results: list.map((x) => ({ id: x.id, type: assocType(x.typeId)?.label ?? `${SINGULAR[rec.type]}_to_${SINGULAR[t]}` })) };
    }
    out['associations'] = a;
  }
  return out;
}

/** What writes return: every property the record holds (set, system and calculated ones). */
export function writeJson(rec: HsRecord, _written: string[]) {
  return objectJson(rec, 'all');
}
