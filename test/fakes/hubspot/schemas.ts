import { z } from 'zod';

/**
 * HubSpot request bodies (Jackson with FAIL_ON_UNKNOWN_PROPERTIES: unknown top-level fields are
 * rejected with 400). Property values are strings, numbers, booleans or null.
 */

const propValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const properties = z.record(z.string(), propValue);

export const associationSpec = z.strictObject({
  to: z.strictObject({ id: z.union([z.string().min(1), z.number()]).transform(String) }),
  types: z
    .array(
      z.strictObject({
        associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED']),
        associationTypeId: z.number().int(),
      }),
    )
    .min(1),
});

export const createInput = z.strictObject({
  properties,
  associations: z.array(associationSpec).optional(),
  objectWriteTraceId: z.string().optional(),
});

export const updateInput = z.strictObject({
  properties,
  objectWriteTraceId: z.string().optional(),
});

export const upsertInput = z.strictObject({
  id: z.union([z.string(), z.number()]).transform(String),
  idProperty: z.string().min(1),
  properties,
  objectWriteTraceId: z.string().optional(),
});

export const batchUpsert = z.strictObject({ inputs: z.array(upsertInput) });

const objectId = z.strictObject({ id: z.union([z.string().min(1), z.number()]).transform(String) });

/** POST /crm/v4/associations/{from}/{to}/batch/associate/default */
export const batchAssociateDefault = z.strictObject({ inputs: z.array(z.strictObject({ from: objectId, to: objectId })) });

export const batchRead = z.strictObject({
  inputs: z.array(z.strictObject({ id: z.union([z.string(), z.number()]).transform(String) })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().optional(),
});

export const OPERATORS = ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN'] as const;

export const filter = z.strictObject({
  propertyName: z.string().min(1),
  operator: z.enum(OPERATORS),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  highValue: z.union([z.string(), z.number()]).optional(),
  values: z.array(z.union([z.string(), z.number()])).optional(),
});

export const searchBody = z.strictObject({
  filterGroups: z.array(z.strictObject({ filters: z.array(filter) })).optional(),
  sorts: z
    .array(z.union([z.string(), z.strictObject({ propertyName: z.string(), direction: z.enum(['ASCENDING', 'DESCENDING']) })]))
    .optional(),
  query: z.string().optional(),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().min(0).max(200).optional(),
  after: z.union([z.string(), z.number()]).transform(String).optional(),
});

/** GET /crm/v3/objects/{type} query: limit 1..100 (default 10), after, properties, associations, archived. */
export const listQuery = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, 'limit must be an integer')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 100, 'limit must be between 1 and 100')
    .optional(),
  after: z.string().min(1).optional(),
  archived: z.enum(['true', 'false']).optional(),
});
