/** The closed set of pipe functions. Each compiles its argument once and returns a closure. */
import { compileDatePattern, formatInstant, isValidTimeZone, odooUtcToIso, parseInstant } from './datetime.js';
import { convertUomRecords, convertUomRecordsTree, floatRound, roundDigits, UOM_FIELDS, uomRuleOf, type RoundMethod } from './numeric.js';
import { describe } from './path.js';
import { FAIL, isFail, type Rt, type Scope, type Site } from './runtime.js';

export type StepFn = (v: unknown, s: Scope, rt: Rt) => unknown;

export interface StepHelpers {
  site: Site;
  limits: { maxItems: number };
  /** Major version of the Odoo read (CompileOptions.odooSeries). */
  odooSeries: number;
  /** Compiles a path argument (relative to the field's scope); records it for requiredSpec. */
  path(text: unknown, key: string, leafFields?: string[]): { read: (s: Scope, rt: Rt, site: Site) => unknown; site: Site; display: (s: Scope) => string } | undefined;
}

export function compileStep(name: string, arg: unknown, h: StepHelpers): StepFn | string {
  const site = h.site;
  const bad = (rt: Rt, s: Scope, msg: string) => rt.fail(site, site.data(s), `${name}: ${msg}`);
  const str = (f: (v: string) => unknown): StepFn => (v, s, rt) => (typeof v === 'string' ? f(v) : bad(rt, s, `expected a string, got ${describe(v)}`));
  const num = (f: (v: number) => unknown): StepFn => (v, s, rt) =>
    typeof v === 'number' && Number.isFinite(v) ? f(v) : bad(rt, s, `expected a number, got ${describe(v)}`);
  const notString = (v: unknown, s: Scope, rt: Rt) => bad(rt, s, `expected a string, got ${describe(v)}`);
  const notNumber = (v: unknown, s: Scope, rt: Rt) => bad(rt, s, `expected a number, got ${describe(v)}`);
  const arr = (f: (v: unknown[], s: Scope, rt: Rt) => unknown): StepFn => (v, s, rt) => (Array.isArray(v) ? f(v, s, rt) : bad(rt, s, `expected a list, got ${describe(v)}`));

  switch (name) {
    // The common string and number steps are written out as single closures (no inner call).
    case 'trim':
      return (v, s, rt) => (typeof v === 'string' ? v.trim() : notString(v, s, rt));
    case 'upper':
      return (v, s, rt) => (typeof v === 'string' ? v.toUpperCase() : notString(v, s, rt));
    case 'lower':
      return (v, s, rt) => (typeof v === 'string' ? v.toLowerCase() : notString(v, s, rt));
    case 'nonempty':
      return (v) => (v === '' || (Array.isArray(v) && v.length === 0) ? undefined : v);
    case 'string':
      return (v, s, rt) =>
        typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : bad(rt, s, `expected a string, number or boolean, got ${describe(v)}`);
    case 'number':
      return (v, s, rt) => {
        if (typeof v === 'number') return v;
        if (typeof v === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
        return bad(rt, s, `expected a number or a numeric string, got ${describe(v)}`);
      };
    case 'floor':
      return num(Math.floor);
    case 'ceil':
      return num(Math.ceil);
    case 'abs':
      return num(Math.abs);
    case 'first':
      return arr((v) => v[0] ?? undefined);
    case 'last':
      return arr((v) => v[v.length - 1] ?? undefined);
    case 'count':
      return arr((v) => v.length);
    case 'sum':
      return arr((v, s, rt) => {
        let t = 0;
        for (const x of v) {
          if (typeof x !== 'number' || !Number.isFinite(x)) return bad(rt, s, `expected a list of numbers, got an item ${describe(x)}`);
          t += x;
        }
        return Number(t.toPrecision(15));
      });
    case 'truncate': {
      const n = arg as number;
      return (v, s, rt) => {
        if (typeof v !== 'string') return notString(v, s, rt);
        if (v.length <= n) return v;
        let cut = v.slice(0, n);
        const last = cut.charCodeAt(cut.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
        return cut;
      };
    }
    case 'prefix': {
      const a = arg as string;
      return str((v) => a + v);
    }
    case 'suffix': {
      const a = arg as string;
      return str((v) => v + a);
    }
    case 'replace': {
      const { find, with: by } = arg as { find: string; with: string };
      return str((v) => v.split(find).join(by));
    }
    case 'before': {
      const sep = arg as string;
      return str((v) => {
        const i = v.indexOf(sep);
        return i < 0 ? v : v.slice(0, i);
      });
    }
    case 'after': {
      const sep = arg as string;
      return str((v) => {
        const i = v.indexOf(sep);
        return i < 0 ? undefined : v.slice(i + sep.length);
      });
    }
    case 'flatten': {
      const max = h.limits.maxItems;
      return arr((v, s, rt) => {
        const out: unknown[] = [];
        for (const x of v) {
          if (Array.isArray(x)) for (const y of x) out.push(y);
          else if (x !== undefined && x !== null) out.push(x);
          if (out.length > max) return bad(rt, s, `more than ${max} items`);
        }
        return out;
      });
    }
    case 'split': {
      const sep = arg as string;
      const max = h.limits.maxItems;
      return (v, s, rt) => {
        if (typeof v !== 'string') return bad(rt, s, `expected a string, got ${describe(v)}`);
        const parts = v.split(sep, max + 1);
        return parts.length > max ? bad(rt, s, `more than ${max} parts`) : parts;
      };
    }
    case 'join': {
      const sep = arg as string;
      return arr((v, s, rt) => {
        const parts: string[] = [];
        for (const x of v) {
          if (x === null || x === undefined || x === false || x === '') continue;
          if (typeof x !== 'string' && typeof x !== 'number') return bad(rt, s, `expected a list of strings, got an item ${describe(x)}`);
          parts.push(String(x));
        }
        return parts.length ? parts.join(sep) : undefined;
      });
    }
    case 'round': {
      const a = arg as number | { digits: number; method?: RoundMethod };
      const digits = typeof a === 'number' ? a : a.digits;
      const method = typeof a === 'number' ? 'HALF-UP' : (a.method ?? 'HALF-UP');
      const rounding = 10 ** -digits;
      return (v, s, rt) => (typeof v === 'number' && Number.isFinite(v) ? floatRound(v, rounding, method) : notNumber(v, s, rt));
    }
    case 'fixed': {
      const d = arg as number;
      return num((v) => roundDigits(v, d).toFixed(d));
    }
    case 'multiply': {
      const k = arg as number;
      return num((v) => v * k);
    }
    case 'divide': {
      const k = arg as number;
      if (k === 0) return 'cannot divide by 0';
      return num((v) => v / k);
    }
    case 'add': {
      const k = arg as number;
      return num((v) => v + k);
    }
    case 'subtract': {
      const k = arg as number;
      return num((v) => v - k);
    }
    case 'map': {
      const a = arg as { table: Record<string, unknown>; fallback?: unknown; keep_unmatched?: boolean };
      if ('fallback' in a && a.keep_unmatched) return "use either fallback or keep_unmatched, not both";
      const table = new Map<string, unknown>();
      for (const k of Object.keys(a.table)) table.set(k, a.table[k] === null ? undefined : Object.freeze(a.table[k]));
      const hasFallback = 'fallback' in a;
      const fallback = a.fallback === null ? undefined : a.fallback;
      const keep = a.keep_unmatched === true;
      const keys = [...table.keys()];
      const listed = keys.slice(0, 12).map((k) => JSON.stringify(k)).join(', ') + (keys.length > 12 ? ', …' : '');
      return (v, s, rt) => {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return bad(rt, s, `expected a string, number or boolean to look up, got ${describe(v)}`);
        const k = String(v);
        if (table.has(k)) return table.get(k);
        if (hasFallback) return fallback;
        if (keep) return v;
        return bad(rt, s, `no entry for ${JSON.stringify(k)} (expected one of: ${listed}; add fallback: or keep_unmatched: true to allow others)`);
      };
    }
    case 'uom': {
      const a = arg as { from: string; to: string; round?: boolean; method?: RoundMethod };
      const rule = uomRuleOf(h.odooSeries);
      const from = h.path(a.from, 'from', [...UOM_FIELDS[rule]]);
      const to = h.path(a.to, 'to', [...UOM_FIELDS[rule]]);
      if (!from || !to) return 'invalid unit path';
      const round = a.round !== false;
      const method = a.method ?? 'UP';
      const convert = rule === 'category' ? convertUomRecords : convertUomRecordsTree;
      return (v, s, rt) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) return bad(rt, s, `expected a quantity, got ${describe(v)}`);
        const fu = from.read(s, rt, from.site);
        const tu = to.read(s, rt, to.site);
        if (isFail(fu) || isFail(tu)) return FAIL;
        if (fu == null || fu === false) return rt.fail(site, from.display(s), 'uom: missing unit of measure');
        if (tu == null || tu === false) return rt.fail(site, to.display(s), 'uom: missing unit of measure');
        const r = convert(v, fu, tu, round, method);
        return typeof r === 'string' ? bad(rt, s, r) : r;
      };
    }
    case 'format_date': {
      const a = arg as { format: string; tz?: string; input_tz?: string };
      const pattern = compileDatePattern(a.format);
      if (typeof pattern === 'object' && 'error' in pattern) return pattern.error;
      const tz = a.format === 'odoo' ? 'UTC' : (a.tz ?? 'UTC');
      const inputTz = a.input_tz ?? 'UTC';
      for (const z of [tz, inputTz]) if (!isValidTimeZone(z)) return `unknown time zone '${z}' (expected an IANA name such as Europe/Brussels or UTC)`;
      const isoUtc = a.format === 'iso' && tz === 'UTC' && inputTz === 'UTC';
      return (v, s, rt) => {
        if (isoUtc) {
          const fast = odooUtcToIso(v);
          if (fast !== undefined) return fast;
        }
        const inst = parseInstant(v, inputTz);
        if (typeof inst === 'string') return bad(rt, s, inst);
        return formatInstant(inst, pattern, tz);
      };
    }
    default:
      return `unknown function '${name}'`;
  }
}
