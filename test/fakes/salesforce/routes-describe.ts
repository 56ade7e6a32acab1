import type { Router } from 'express';
import { DATA, sobjectParam, type SalesforceContext } from './context.js';
import type { FieldDef, SObjectDef } from './objects.js';

const label = (name: string): string => name.replace(/__c$/, '').replace(/_/g, ' ');
const TEXT_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist']);

/** One field of a describe (the attributes a real org returns that the fake can know). */
export function fieldDescribe(name: string, f: FieldDef): Record<string, unknown> {
  const custom = name.endsWith('__c');
  const writable = !f.readOnly && !f.noAccess;
  return {
    name,
    label: f.label ?? label(name),
    type: f.type,
    length: f.length ?? (TEXT_TYPES.has(f.type) ? 255 : 0),
    custom,
    nillable: !f.required && f.type !== 'boolean' && f.type !== 'id',
    createable: writable,
    updateable: writable && !f.createOnly,
    defaultedOnCreate: f.type === 'id' || f.type === 'boolean' || Boolean(f.readOnly),
    calculated: false,
    externalId: f.externalId === true,
    unique: f.unique === true,
    idLookup: f.type === 'id' || f.externalId === true,
    picklistValues: (f.picklist ?? []).map((value) => ({ active: true, defaultValue: false, label: value, validFor: null, value })),
    restrictedPicklist: f.type === 'picklist' && (f.picklist?.length ?? 0) > 0 && f.restricted !== false,
    referenceTo: f.referenceTo ? [f.referenceTo] : [],
    relationshipName: f.relationshipName ?? null,
  };
}

/** The describe of one SObject: its flags and every field. */
export function sobjectDescribe(name: string, def: SObjectDef): Record<string, unknown> {
  return {
    name,
    label: name,
    custom: name.endsWith('__c'),
    keyPrefix: def.keyPrefix,
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    fields: Object.entries(def.fields).map(([n, f]) => fieldDescribe(n, f)),
    urls: { describe: `${DATA}/sobjects/${name}/describe`, sobject: `${DATA}/sobjects/${name}`, rowTemplate: `${DATA}/sobjects/${name}/{ID}` },
  };
}

/**
 * `GET /services/data/vXX.X/sobjects/{SObject}/describe`: the SObject's metadata and fields
 * (name, type, picklistValues, restrictedPicklist, externalId, createable/updateable for the
 * integration user), from the fake's schema (defaultObjects, setUpOdooOrg). Unknown SObject:
 * 404 NOT_FOUND. Mounted before the record routes (`describe` is not a record id).
 */
export function mountDescribe(r: Router, ctx: SalesforceContext): void {
  r.get(`${DATA}/sobjects/:sobject/describe`, (req, res) => {
    const sobject = sobjectParam(req, res, ctx);
    if (!sobject) return;
    res.json(sobjectDescribe(sobject, ctx.store.objects[sobject]!));
  });
}
