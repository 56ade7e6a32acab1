/**
 * The mapping language as zod schemas.
 *
 * Every construct is written once, as a function of the schemas of its children. The compiler
 * instantiates them with `z.unknown()` children ("shallow") to validate one construct at a time
 * (so each error points at the exact node), and `languageSchema()` instantiates them
 * recursively to generate the JSON Schema shipped as mappings/mapping.schema.json.
 */
import * as z from 'zod';

export const LANGUAGE_VERSION = 1;

export const DIRECTIONS = ['outbound', 'inbound'] as const;
export const VALUE_TYPES = ['string', 'number', 'integer', 'boolean', 'date', 'datetime', 'object', 'array', 'any'] as const;
export const ROUND_METHODS = ['HALF-UP', 'UP', 'DOWN'] as const;
export const X2MANY_COMMANDS = ['create', 'link', 'set', 'replace'] as const;

/** Keys that select what an expression is; exactly one per expression object. */
export const SOURCE_KEYS = ['path', 'const', 'concat', 'first', 'list', 'if', 'fields', 'each', 'external_id', 'odoo_id'] as const;
export type SourceKey = (typeof SOURCE_KEYS)[number];
/** Keys allowed on every expression object. */
export const MODIFIER_KEYS = ['optional', 'default', 'type', 'pipe', 'when', 'description'] as const;

export const NO_ARG_STEPS = [
  'trim', 'upper', 'lower', 'string', 'number', 'nonempty',
  'floor', 'ceil', 'abs', 'first', 'last', 'count', 'sum', 'flatten',
] as const;
export const ARG_STEPS = [
  'truncate', 'prefix', 'suffix', 'replace', 'before', 'after', 'split', 'join', 'round', 'fixed',
  'multiply', 'divide', 'add', 'subtract', 'map', 'uom', 'format_date',
] as const;
export const STEP_NAMES: readonly string[] = [...NO_ARG_STEPS, ...ARG_STEPS].sort();

export const COMPARATORS = ['eq', 'ne', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'exists', 'starts_with'] as const;

const Name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.\-:]*$/, 'a name of letters, digits, _ . - :').max(100);
export const PathSchema = z
  .string()
  .min(1)
  .max(400)
  .describe('A dotted path into the current record: `partner_id.country_id.code`, `order_line[0].name`, `$root.name`, `$vars.location_id`, `$`.');
const JsonValue = z.json();
const RoundMethod = z.enum(ROUND_METHODS);

/** Argument schemas of the pipe functions that take one. */
export const STEP_ARG_SCHEMAS = {
  truncate: z.int().min(1).max(1_000_000).describe('Cut a string to at most N characters.'),
  prefix: z.string().describe('Put this text before the value.'),
  suffix: z.string().describe('Put this text after the value.'),
  replace: z.strictObject({ find: z.string().min(1), with: z.string() }).describe('Replace every occurrence of a literal text.'),
  before: z.string().min(1).describe('The text before the first occurrence of a separator (the whole text when absent).'),
  after: z.string().min(1).describe('The text after the first occurrence of a separator (absent when the separator is absent).'),
  split: z.string().min(1).describe('Split a string into a list at a literal separator.'),
  join: z.string().describe('Join a list of strings with a separator.'),
  round: z
    .union([
      z.int().min(0).max(12),
      z.strictObject({ digits: z.int().min(0).max(12), method: RoundMethod.optional() }),
    ])
    .describe('Round to N decimal places (HALF-UP unless method says UP or DOWN).'),
  fixed: z.int().min(0).max(12).describe('Format a number as a string with exactly N decimals (HALF-UP).'),
  multiply: z.number(),
  divide: z.number(),
  add: z.number(),
  subtract: z.number(),
  map: z
    .strictObject({
      table: z.record(z.string(), JsonValue),
      fallback: JsonValue.optional(),
      keep_unmatched: z.boolean().optional(),
    })
    .describe('Look the value up in a table; without fallback or keep_unmatched a value not in the table is an error.'),
  uom: z
    .strictObject({
      from: PathSchema,
      to: PathSchema,
      round: z.boolean().optional(),
      method: RoundMethod.optional(),
    })
    .describe("Convert a quantity between two Odoo units (uom.uom records: factor, rounding, category_id), as Odoo's _compute_quantity does."),
  format_date: z
    .strictObject({
      format: z.string().min(1),
      tz: z.string().optional(),
      input_tz: z.string().optional(),
    })
    .describe('Format a date or datetime: iso, date, odoo, epoch_ms, epoch_s or a pattern of YYYY MM DD HH mm ss.'),
} as const;

/** Builders parameterised by the schemas used for children (unknown when validating shallowly). */
export function conditionKinds(C: z.ZodType) {
  const compare = z.strictObject({
    path: PathSchema,
    eq: JsonValue.optional(),
    ne: JsonValue.optional(),
    in: z.array(JsonValue).optional(),
    not_in: z.array(JsonValue).optional(),
    gt: z.union([z.number(), z.string()]).optional(),
    gte: z.union([z.number(), z.string()]).optional(),
    lt: z.union([z.number(), z.string()]).optional(),
    lte: z.union([z.number(), z.string()]).optional(),
    exists: z.boolean().optional(),
    starts_with: z.string().optional(),
  });
  return {
    compare,
    all: z.strictObject({ all: z.array(C).min(1) }),
    any: z.strictObject({ any: z.array(C).min(1) }),
    not: z.strictObject({ not: C }),
  };
}

export function modifiers(C: z.ZodType, S: z.ZodType) {
  return {
    optional: z.boolean().optional().describe('Allow the value to be absent (the key is then left out).'),
    default: JsonValue.optional().describe('Value used when the source is absent.'),
    type: z.enum(VALUE_TYPES).optional().describe('Declared type of the result; `boolean` keeps an Odoo `false`.'),
    pipe: z.array(S).max(50).optional().describe('Functions applied in order to the value.'),
    when: C.optional().describe('Emit this field only when the condition holds.'),
    description: z.string().optional(),
  };
}

export function exprKinds(E: z.ZodType, C: z.ZodType, S: z.ZodType) {
  const m = modifiers(C, S);
  const Fields = z.record(z.string(), E);
  const lookupTarget = {
    model: Name.describe('Odoo model, e.g. res.partner'),
    of: PathSchema.describe('Path to the Odoo record (or id) / to the external id'),
    system: Name.optional().describe('External system; defaults to the mapping\'s system'),
  };
  return {
    path: z.strictObject({ path: PathSchema, ...m }),
    const: z.strictObject({ const: JsonValue, ...m }),
    concat: z.strictObject({ concat: z.array(E).min(1).max(100), sep: z.string().optional(), ...m }),
    first: z.strictObject({ first: z.array(E).min(1).max(100), ...m }),
    list: z.strictObject({ list: z.array(E).min(1).max(100), ...m }),
    if: z.strictObject({ if: C, then: E, else: E.optional(), ...m }),
    fields: z.strictObject({ fields: Fields, ...m }),
    each: z.strictObject({
      each: PathSchema,
      where: C.optional(),
      fields: Fields.optional(),
      value: E.optional(),
      command: z.enum(X2MANY_COMMANDS).optional(),
      ...m,
    }),
    external_id: z.strictObject({ external_id: z.strictObject(lookupTarget), ...m }),
    odoo_id: z.strictObject({
      odoo_id: z.strictObject({ ...lookupTarget, by: Name.optional().describe('Natural key field (e.g. default_code); without it the external id link is used') }),
      ...m,
    }),
  } satisfies Record<SourceKey, z.ZodType>;
}

export function headerSchema(E: z.ZodType) {
  return z.strictObject({
    direction: z.enum(DIRECTIONS).describe('outbound: Odoo record -> external payload; inbound: external message -> canonical payload'),
    source: Name.describe('Odoo model (outbound, e.g. sale.order) or inbound message name (e.g. shipbob.order.shipped)'),
    system: Name.describe('External system / preset at the other end: shipbob, generic_wms, hubspot, salesforce, ...'),
    events: z.array(Name).min(1).describe('Event types this mapping serves, e.g. [release, amend]'),
    output: Name.describe('Output kind: a vendor payload name (outbound) or canonical.<kind> / odoo.vals (inbound)'),
    odoo_model: Name.optional().describe('Target Odoo model when output is odoo.vals'),
    description: z.string().optional(),
    fields: z.record(z.string(), E).describe('Output fields'),
  });
}

/** The recursive language schema, used to generate the JSON Schema. */
export function languageSchema(): z.ZodType {
  const Cond: z.ZodType = z
    .lazy(() => {
      const k = conditionKinds(Cond);
      return z.union([k.compare, k.all, k.any, k.not]);
    })
    .meta({ id: 'Condition', description: 'A condition: {path, <comparator>: value} or {all|any: [...]} or {not: ...}' });
  const Step: z.ZodType = z
    .union([
      z.enum(NO_ARG_STEPS),
      ...ARG_STEPS.map((n) => z.strictObject({ [n]: STEP_ARG_SCHEMAS[n] })),
    ])
    .meta({ id: 'Step', description: 'A pipe function: a name, or {name: argument}' });
  const Expr: z.ZodType = z
    .lazy(() => {
      const k = exprKinds(Expr, Cond, Step);
      return z.union([PathSchema, k.path, k.const, k.concat, k.first, k.list, k.if, k.fields, k.each, k.external_id, k.odoo_id]);
    })
    .meta({ id: 'Expression', description: 'A value: a path string, or an object with one of ' + SOURCE_KEYS.join(', ') });
  return headerSchema(Expr).meta({ title: 'Odoo Sync Bridge mapping', description: 'See docs/mapping-language.md' });
}

/** JSON Schema of the mapping language (draft 2020-12). */
export function generateMappingJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(languageSchema(), { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://github.com/odoo-sync-bridge/mappings/mapping.schema.json' };
}
