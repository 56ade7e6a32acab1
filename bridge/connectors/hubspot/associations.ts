import { PermanentError, TransientError } from '../../errors/index.js';
import type { EventCall } from '../base-connector.js';
import { isObj, str, type Obj } from '../payload.js';

/** Inputs per v4 batch associate call (HubSpot allows more; the bridge stays at 100 like every batch). */
export const ASSOC_BATCH_MAX = 100;

/**
 * One association a mapped payload asks for: `{to: <object type>, hubspot_id?}` or
 * `{to, id, idProperty}` (the other record's unique Odoo-id value), `optional?`.
 */
export interface AssociationRef {
  to: string;
  hubspotId?: string;
  id?: string;
  idProperty?: string;
  optional: boolean;
}

export function readAssociations(v: unknown): AssociationRef[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((a: Obj, i) => {
    const to = str(a.to);
    if (!to) throw new PermanentError(`HubSpot: associations[${i}] has no 'to' object type`, { category: 'mapping' });
    const ref: AssociationRef = { to, optional: a.optional === true };
    const hs = str(a.hubspot_id);
    if (hs) ref.hubspotId = hs;
    const id = str(a.id);
    if (id) ref.id = id;
    const prop = str(a.idProperty) ?? str(a.id_property);
    if (prop) ref.idProperty = prop;
    if (!ref.hubspotId && !(ref.id && ref.idProperty)) {
      if (ref.optional) return undefined;
      throw new PermanentError(`HubSpot: associations[${i}] (${to}) needs hubspot_id, or id and idProperty`, { category: 'mapping' });
    }
    return ref;
  }).filter((r): r is AssociationRef => r !== undefined);
}

/**
 * HubSpot ids of records known by a unique property: `POST /crm/v3/objects/{type}/batch/read`
 * `{idProperty, inputs[{id}]}`. Missing ones come back in a 207's errors and are simply absent
 * from the map.
 */
export async function idsByUniqueValue(call: EventCall, objectType: string, idProperty: string, values: string[], properties: string[] = []): Promise<Map<string, { id: string; properties: Obj }>> {
  const out = new Map<string, { id: string; properties: Obj }>();
  for (let i = 0; i < values.length; i += ASSOC_BATCH_MAX) {
    const chunk = values.slice(i, i + ASSOC_BATCH_MAX);
    const res = await call({
      method: 'POST', path: `/crm/v3/objects/${encodeURIComponent(objectType)}/batch/read`,
      body: { idProperty, properties: [...new Set([idProperty, ...properties])], inputs: chunk.map((id) => ({ id })) },
    });
    const body = isObj(res.body) ? res.body : {};
    for (const r of (Array.isArray(body.results) ? body.results : []).filter(isObj)) {
      const props = isObj(r.properties) ? r.properties : {};
      const key = str(props[idProperty]);
      const id = str(r.id);
      if (key && id) out.set(key, { id, properties: props });
    }
  }
  return out;
}

/** HubSpot records by id: `POST /crm/v3/objects/{type}/batch/read` `{inputs[{id}], properties}`. */
export async function readByIds(call: EventCall, objectType: string, ids: string[], properties: string[]): Promise<Map<string, Obj>> {
  const out = new Map<string, Obj>();
  for (let i = 0; i < ids.length; i += ASSOC_BATCH_MAX) {
    const res = await call({
      method: 'POST', path: `/crm/v3/objects/${encodeURIComponent(objectType)}/batch/read`,
      body: { properties, inputs: ids.slice(i, i + ASSOC_BATCH_MAX).map((id) => ({ id })) },
    });
    const body = isObj(res.body) ? res.body : {};
    for (const r of (Array.isArray(body.results) ? body.results : []).filter(isObj)) {
      const id = str(r.id);
      if (id) out.set(id, isObj(r.properties) ? r.properties : {});
    }
  }
  return out;
}

/**
 * The HubSpot ids of the records the refs name, per object type. A ref whose record HubSpot does
 * not have (yet) is a TransientError (the customer's own event may still be on its way; retried,
 * dead after max attempts with this message) unless it is optional (then skipped, and named in
 * `skipped`).
 */
export async function resolveRefs(call: EventCall, target: string, what: string, refs: AssociationRef[]): Promise<{ byType: Map<string, string[]>; skipped: string[] }> {
  const byType = new Map<string, string[]>();
  const skipped: string[] = [];
  const add = (t: string, id: string) => {
    const l = byType.get(t) ?? [];
    if (!l.includes(id)) l.push(id);
    byType.set(t, l);
  };
  const lookups = new Map<string, AssociationRef[]>();
  for (const r of refs) {
    if (r.hubspotId) add(r.to, r.hubspotId);
    else {
      const k = `${r.to}\u0000${r.idProperty}`;
      lookups.set(k, [...(lookups.get(k) ?? []), r]);
    }
  }
  for (const list of lookups.values()) {
    const { to, idProperty } = list[0]!;
    const found = await idsByUniqueValue(call, to, idProperty!, [...new Set(list.map((r) => r.id!))]);
    for (const r of list) {
      const hit = found.get(r.id!);
      if (hit) add(to, hit.id);
      else if (r.optional) skipped.push(`${to} ${r.idProperty}=${r.id}`);
      else {
        throw new TransientError(`${target}: cannot associate ${what} with ${to} ${r.idProperty}=${r.id}: HubSpot has no such record yet (deliver it first; retried)`, {
          details: { reason: 'dependency', inDoubt: false, to, [r.idProperty!]: r.id },
        });
      }
    }
  }
  return { byType, skipped };
}

/**
 * Default (unlabeled) associations `fromType:fromId -> toType:toIds` with
 * `POST /crm/v4/associations/{from}/{to}/batch/associate/default` (HubSpot adds the inverse
 * too). Associating an existing pair again is harmless, so retries need no lookup. A 207 (a
 * record vanished in between) is a TransientError naming the ids.
 */
export async function associateDefault(call: EventCall, target: string, fromType: string, fromId: string, toType: string, toIds: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < toIds.length; i += ASSOC_BATCH_MAX) {
    const chunk = toIds.slice(i, i + ASSOC_BATCH_MAX);
    const res = await call({
      method: 'POST', path: `/crm/v4/associations/${encodeURIComponent(fromType)}/${encodeURIComponent(toType)}/batch/associate/default`,
      body: { inputs: chunk.map((id) => ({ from: { id: fromId }, to: { id } })) },
    });
    const body = isObj(res.body) ? res.body : {};
    if (res.status === 207 || (typeof body.numErrors === 'number' && body.numErrors > 0)) {
      const msgs = (Array.isArray(body.errors) ? body.errors : []).filter(isObj).map((e) => str(e.message) ?? 'error').join(' | ');
      throw new TransientError(`${target}: HubSpot could not associate ${fromType} ${fromId} with ${toType} [${chunk.join(', ')}]: ${msgs}`, { details: { reason: 'partial', inDoubt: false } });
    }
    n += chunk.length;
  }
  return n;
}
