/**
 * Shared shapes of `sync-bridge check-targets`: what a mapping field needs from the target's
 * schema, and a problem found (pure data; the per-vendor checks live in each connector folder).
 */
import type { ValueKind, ValueShape } from '../mapping/index.js';

/** Where a mapping writes something: file:line:col of the field's key. */
export interface FieldSite {
  file: string;
  line: number;
  col: number;
}

export const siteText = (s: FieldSite): string => (s.line > 0 ? `${s.file}:${s.line}:${s.col}` : s.file);

/** One thing a target's schema lacks for a mapping. */
export interface SchemaProblem {
  /** HubSpot object type or Salesforce SObject. */
  object: string;
  /** Property or field name. */
  field: string;
  /** What is wrong, e.g. "property missing", "dropdown has no option 'resumed'". */
  problem: string;
  site: FieldSite;
}

/** `crm_hs: deals.odoo_fulfilment_status: dropdown has no option 'resumed' (mappings/hubspot/order_status.yaml:63:7)` */
export function formatProblem(target: string, p: SchemaProblem): string {
  return `${target}: ${p.object}.${p.field}: ${p.problem} (${siteText(p.site)})`;
}

/** Problems found, each reported once (a property written by several fields of one line: once). */
export class ProblemList {
  readonly problems: SchemaProblem[] = [];
  private readonly seen = new Set<string>();

  add(p: SchemaProblem): void {
    const key = `${p.object}|${p.field}|${p.problem}|${p.site.file}|${p.site.line}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.problems.push(p);
  }
}

/** The values of `want` that `have` lacks (compared as strings, as the CRMs store them). */
export function missingValues(want: ReadonlyArray<string | number | boolean>, have: readonly string[]): string[] {
  const set = new Set(have);
  return [...new Set(want.map(String))].filter((v) => !set.has(v));
}

export const quoteList = (values: string[]): string => values.map((v) => `'${v}'`).join(', ');

/** How a kind of value reads in a problem line. */
const KIND_WORDS: Record<ValueKind, string> = {
  unknown: 'a value',
  text: 'text',
  number: 'a number',
  numeric_text: 'a number as text',
  boolean: 'true/false',
  boolean_text: "'true'/'false' as text",
  date: 'a date (YYYY-MM-DD)',
  datetime: 'a date-time (ISO 8601)',
  odoo_datetime: 'a date-time (YYYY-MM-DD HH:MM:SS)',
  datetime_any: 'a date-time',
  time: 'a time of day (HH:MM:SS)',
  epoch_ms: 'epoch milliseconds',
  epoch_s: 'epoch seconds',
  date_text: 'a formatted date',
};

/**
 * "writes a date-time (ISO 8601) (format_date iso) or text (trim)": the shapes that do not fit,
 * one per kind (the first way the mapping makes it).
 */
export function writesText(bad: ValueShape[]): string {
  const seen = new Map<ValueKind, ValueShape>();
  for (const s of bad) if (!seen.has(s.kind)) seen.set(s.kind, s);
  return `the mapping writes ${[...seen.values()].map((s) => (s.value !== undefined ? s.via : `${KIND_WORDS[s.kind]} (${s.via})`)).join(' or ')}`;
}

/** The largest bound (truncate, a constant...) among the shapes that exceeds `limit`, if any. */
export function tooLong(shapes: ValueShape[], limit: number): ValueShape['maxLength'] | undefined {
  let worst: ValueShape['maxLength'] | undefined;
  for (const s of shapes) if (s.maxLength && s.maxLength.n > limit && (!worst || s.maxLength.n > worst.n)) worst = s.maxLength;
  return worst;
}
