import { PermanentError } from '../../errors/index.js';
import { isObj, str, type Obj } from '../payload.js';
import type { UpsertInput } from './batch-upsert.js';

const CONTROL = new Set([
  'object_type', 'contacts', 'id', 'id_property', 'idProperty', 'properties', 'res_id', 'model',
  'hubspot_id', 'create_properties', 'owner', 'associations', 'line_items',
]);

/**
 * One upsert input from a mapped record: `{properties: {...}, id?, id_property? | idProperty?}` or a flat
 * object of properties. The unique value is `id`, else the id property among the properties,
 * else the Odoo id.
 */
export function toInput(p: Obj, idProperty: string, fallbackId: number | undefined): UpsertInput {
  const properties = isObj(p.properties)
    ? { ...p.properties }
    : Object.fromEntries(Object.entries(p).filter(([k]) => !CONTROL.has(k)));
  // `idProperty` is HubSpot's own name for it (a mapping that emits the batch input shape).
  const prop = str(p.id_property) ?? str(p.idProperty) ?? idProperty;
  const id = str(p.id) ?? str(properties[prop]) ?? (fallbackId !== undefined ? String(fallbackId) : undefined);
  if (!id) throw new PermanentError(`HubSpot: a mapped record has no value for the unique property ${prop}`, { category: 'mapping' });
  return { id, idProperty: prop, properties };
}
