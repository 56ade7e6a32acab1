import type { Router } from 'express';
import { objectType, type HubSpotContext } from './context.js';
import { hsError } from './errors.js';
import type { PropertyDef, PropertyType } from './properties.js';

/** HubSpot's fieldType (the form control) of each property type, as the properties API reports it. */
const FIELD_TYPE: Record<PropertyType, string> = { string: 'text', number: 'number', enumeration: 'select', date: 'date', datetime: 'date', bool: 'booleancheckbox' };

const label = (s: string): string => s.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

/** One property definition in the shape of `GET /crm/v3/properties/{objectType}` results. */
export function propertyJson(name: string, def: PropertyDef, epoch: string): Record<string, unknown> {
  const custom = name.startsWith('odoo_');
  return {
    name,
    label: label(name),
    type: def.type,
    fieldType: def.fieldType ?? FIELD_TYPE[def.type],
    description: '',
    groupName: custom ? 'odoo' : 'deal_information',
    options: (def.options ?? (def.type === 'bool' ? ['true', 'false'] : [])).map((value, i) => ({ label: label(value), value, displayOrder: i, hidden: false })),
    displayOrder: -1,
    calculated: def.readOnly === true,
    externalOptions: false,
    hasUniqueValue: def.unique === true,
    hidden: false,
    hubspotDefined: !custom,
    modificationMetadata: { archivable: custom, readOnlyDefinition: !custom, readOnlyValue: def.readOnly === true },
    formField: !def.readOnly,
    createdAt: epoch,
    updatedAt: epoch,
    archived: false,
  };
}

/**
 * The properties API (read part): `GET /crm/v3/properties/{objectType}` -> {results[]} (every
 * property of the object type, not paged) and `GET /crm/v3/properties/{objectType}/{propertyName}`
 * -> the property, 404 OBJECT_NOT_FOUND when the portal has none of that name. Definitions come
 * from the fake's schema (defaultSchema, setUpOdooPortal, PUT /__control/properties/...).
 */
export function mountProperties(r: Router, ctx: HubSpotContext): void {
  const epoch = new Date(ctx.clock.now()).toISOString();
  r.get('/crm/v3/properties/:type', (req, res) => {
    const type = objectType(req, res);
    if (!type) return;
    res.json({ results: Object.entries(ctx.schema[type]).map(([name, def]) => propertyJson(name, def, epoch)) });
  });
  r.get('/crm/v3/properties/:type/:name', (req, res) => {
    const type = objectType(req, res);
    if (!type) return;
    const name = String(req.params['name']);
    const def = ctx.schema[type][name];
    if (!def) return hsError(res, 404, 'OBJECT_NOT_FOUND', `Unable to find property ${name} for object type ${type}`);
    res.json(propertyJson(name, def, epoch));
  });
}
