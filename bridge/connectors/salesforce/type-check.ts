/**
 * `sync-bridge check-targets` for Salesforce (pure): does what a mapping writes into a field fit
 * the field's describe `type` and `length`? Only sure mismatches: a value read from Odoo and
 * written as is (kind `unknown`) is never judged, nor is text written without `truncate` (its
 * length depends on the data).
 *
 * The REST API's JSON values per type: number types (double, currency, percent, int, long) a
 * number or a numeric string; boolean true / false; date `YYYY-MM-DD`; datetime an ISO 8601
 * string; reference / id a record id (a string); text types (string, textarea, email, phone,
 * url, encryptedstring, combobox) at most `length` characters; picklists a value (checked by the
 * picklist check).
 */
import type { ValueKind, ValueShape } from '../../mapping/index.js';
import { tooLong, writesText } from '../schema-check.js';
import type { SalesforceFieldDescribe } from './schema-check.js';

const NUMBER_TYPES = new Set(['double', 'currency', 'percent', 'int', 'long']);
const TEXT_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'encryptedstring', 'combobox']);
const DATE_KINDS: ValueKind[] = ['date', 'datetime', 'odoo_datetime', 'datetime_any', 'time', 'date_text'];

/** Kinds a field type surely refuses (values made from data, not constants), by the check's type group. */
const REFUSED: Record<string, ReadonlySet<ValueKind>> = {
  number: new Set(['text', 'boolean', 'boolean_text', ...DATE_KINDS]),
  boolean: new Set(['text', 'number', 'numeric_text', 'epoch_ms', 'epoch_s', ...DATE_KINDS]),
  date: new Set(['number', 'numeric_text', 'boolean', 'boolean_text', 'datetime', 'odoo_datetime', 'datetime_any', 'time', 'epoch_ms', 'epoch_s']),
  datetime: new Set(['number', 'numeric_text', 'boolean', 'boolean_text', 'time', 'epoch_ms', 'epoch_s']),
  reference: new Set(['number', 'boolean', 'boolean_text', 'epoch_ms', 'epoch_s', ...DATE_KINDS]),
};

const WANTS: Record<string, string> = {
  number: 'a number field',
  boolean: 'a checkbox (boolean) field (Salesforce takes true or false)',
  date: 'a date field (Salesforce takes YYYY-MM-DD)',
  datetime: 'a date/time field (Salesforce takes an ISO 8601 string)',
  reference: 'a reference field (Salesforce takes a record id)',
};

function groupOf(type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  if (NUMBER_TYPES.has(type)) return 'number';
  if (type === 'id') return 'reference';
  return type in REFUSED ? type : undefined;
}

/** Does Salesforce take this constant for a field of this type group? */
function constantFits(group: string, v: string | number | boolean): boolean {
  switch (group) {
    case 'number': return typeof v === 'number' || (typeof v === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v));
    case 'boolean': return typeof v === 'boolean' || v === 'true' || v === 'false';
    case 'date': return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
    case 'datetime': return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v));
    case 'reference': return typeof v === 'string';
    default: return true;
  }
}

/** The type and length problems of one field write (problem texts; none when it fits or is unknown). */
export function salesforceTypeProblems(def: SalesforceFieldDescribe, shapes: ValueShape[]): string[] {
  const out: string[] = [];
  const group = groupOf(def.type);
  const refused = group ? REFUSED[group] : undefined;
  if (group && refused) {
    const bad = shapes.filter((s) => (s.value !== undefined ? !constantFits(group, s.value) : refused.has(s.kind)));
    if (bad.length) out.push(`${writesText(bad)} into ${WANTS[group]} (${def.type})`);
  }
  if (def.type && TEXT_TYPES.has(def.type) && typeof def.length === 'number' && def.length > 0) {
    const long = tooLong(shapes, def.length);
    if (long) out.push(`the mapping writes up to ${long.n} characters (${long.via}); the field holds ${def.length} (${def.type}(${def.length}))`);
  }
  return out;
}
