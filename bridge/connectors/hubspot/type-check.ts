/**
 * `sync-bridge check-targets` for HubSpot (pure): does what a mapping writes into a property fit
 * the property's `type` (and, for text, HubSpot's length limit)? Only sure mismatches: a value
 * read from Odoo and written as is (kind `unknown`) is never judged.
 *
 * HubSpot's documented values per type (properties API): `number` digits with at most one
 * decimal point (a number or a numeric string); `bool` true / false; `date` midnight UTC as epoch
 * milliseconds or an ISO 8601 date (YYYY-MM-DD); `datetime` epoch milliseconds or ISO 8601;
 * `string` plain text of at most 65,536 characters; `enumeration` an option's value (checked by
 * the dropdown check). An empty string clears any property.
 */
import type { ValueKind, ValueShape } from '../../mapping/index.js';
import { tooLong, writesText } from '../schema-check.js';
import type { HubSpotPropertyDef } from './schema-check.js';

/** HubSpot's limit of a string property's value (characters). */
export const HUBSPOT_STRING_MAX = 65_536;

const MS_PER_DAY = 86_400_000;

/** Kinds a property type surely refuses (values made from data, not constants). */
const REFUSED: Record<string, ReadonlySet<ValueKind>> = {
  number: new Set(['text', 'boolean', 'boolean_text', 'date', 'datetime', 'odoo_datetime', 'datetime_any', 'time', 'date_text']),
  bool: new Set(['text', 'number', 'numeric_text', 'date', 'datetime', 'odoo_datetime', 'datetime_any', 'time', 'epoch_ms', 'epoch_s', 'date_text']),
  // A date property holds a day: a value with a time of day is refused; epoch seconds read as milliseconds are 1970.
  date: new Set(['boolean', 'boolean_text', 'datetime', 'odoo_datetime', 'datetime_any', 'time', 'epoch_s']),
  datetime: new Set(['boolean', 'boolean_text', 'time', 'epoch_s']),
};

/** What the property type takes, for the problem line. */
const WANTS: Record<string, string> = {
  number: 'a number property (HubSpot takes digits with at most one decimal point)',
  bool: "a bool property (HubSpot takes true or false)",
  date: 'a date property (HubSpot takes midnight UTC as epoch milliseconds, or YYYY-MM-DD)',
  datetime: 'a datetime property (HubSpot takes epoch milliseconds or ISO 8601)',
};

/** The property's type for the check: a single checkbox (enumeration shown as booleancheckbox) takes true/false too. */
function typeOf(def: HubSpotPropertyDef): string | undefined {
  if (def.type === 'enumeration' && def.fieldType === 'booleancheckbox') return 'bool';
  return def.type;
}

/** Does HubSpot take this constant for a property of this type? */
function constantFits(type: string, v: string | number | boolean): boolean {
  const s = String(v);
  if (s === '') return true; // clears the property
  switch (type) {
    case 'number': return /^-?\d+(\.\d+)?$/.test(s.trim());
    case 'bool': return /^(true|false)$/i.test(s);
    case 'date': return /^\d+$/.test(s) ? Number(s) % MS_PER_DAY === 0 : /^\d{4}-\d{2}-\d{2}$/.test(s);
    case 'datetime': return /^\d+$/.test(s) || (/^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)));
    default: return true;
  }
}

/** The type and length problems of one property write (problem texts; none when it fits or is unknown). */
export function hubspotTypeProblems(def: HubSpotPropertyDef, shapes: ValueShape[]): string[] {
  const type = typeOf(def);
  const out: string[] = [];
  const refused = type ? REFUSED[type] : undefined;
  if (type && refused) {
    // A checkbox dropdown's constants are the dropdown check's (its options are the values it takes).
    const dropdown = def.type === 'enumeration';
    const bad = shapes.filter((s) => (s.value !== undefined ? !dropdown && !constantFits(type, s.value) : refused.has(s.kind)));
    if (bad.length) out.push(`${writesText(bad)} into ${WANTS[type]}`);
  }
  if (type === 'string') {
    const long = tooLong(shapes, HUBSPOT_STRING_MAX);
    if (long) out.push(`the mapping writes up to ${long.n} characters (${long.via}); HubSpot keeps at most ${HUBSPOT_STRING_MAX} in a string property`);
  }
  return out;
}
