/** Date and time parsing / formatting with time zones, on Intl only. */

export interface Instant {
  /** Epoch milliseconds (for a date-only value: midnight UTC of that date). */
  ms: number;
  /** The value had no time part: it is a calendar date, not an instant. */
  dateOnly: boolean;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DT_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

const fmtCache = new Map<string, Intl.DateTimeFormat>();

/** Returns the formatter for a time zone, or throws RangeError for an unknown zone. */
export function zoneFormatter(tz: string): Intl.DateTimeFormat {
  let f = fmtCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    fmtCache.set(tz, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    zoneFormatter(tz);
    return true;
  } catch {
    return false;
  }
}

interface Wall {
  y: number;
  M: number;
  d: number;
  h: number;
  m: number;
  s: number;
  ms: number;
  /** Offset of the zone from UTC in minutes. */
  off: number;
}

function wallAt(ms: number, tz: string): Wall {
  if (tz === 'UTC') return utcWall(ms);
  const date = new Date(ms);
  const w: Wall = { y: 0, M: 0, d: 0, h: 0, m: 0, s: 0, ms: date.getUTCMilliseconds(), off: 0 };
  for (const p of zoneFormatter(tz).formatToParts(date)) {
    switch (p.type) {
      case 'year': w.y = Number(p.value); break;
      case 'month': w.M = Number(p.value); break;
      case 'day': w.d = Number(p.value); break;
      case 'hour': w.h = Number(p.value); break;
      case 'minute': w.m = Number(p.value); break;
      case 'second': w.s = Number(p.value); break;
      default: break;
    }
  }
  w.off = Math.round((Date.UTC(w.y, w.M - 1, w.d, w.h, w.m, w.s, w.ms) - ms) / 60000);
  return w;
}

/** UTC calendar fields of an epoch time, by arithmetic (civil-from-days). */
function utcWall(ms: number): Wall {
  const days = Math.floor(ms / 86400000);
  let rem = ms - days * 86400000;
  const h = Math.floor(rem / 3600000);
  rem -= h * 3600000;
  const m = Math.floor(rem / 60000);
  rem -= m * 60000;
  const s = Math.floor(rem / 1000);
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const M = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (M <= 2 ? 1 : 0);
  return { y, M, d, h, m, s, ms: rem - s * 1000, off: 0 };
}

/** The instant at which the wall clock in `tz` shows the given local time. */
function fromWall(y: number, M: number, d: number, h: number, m: number, s: number, ms: number, tz: string): number {
  const asUtc = Date.UTC(y, M - 1, d, h, m, s, ms);
  if (tz === 'UTC') return asUtc;
  let guess = asUtc - wallAt(asUtc, tz).off * 60000;
  guess = asUtc - wallAt(guess, tz).off * 60000;
  return guess;
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
}
function num2(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}
function num4(s: string, i: number): number {
  return num2(s, i) * 100 + num2(s, i + 2);
}
function daysIn(y: number, M: number): number {
  return M === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : M === 4 || M === 6 || M === 9 || M === 11 ? 30 : 31;
}

function validParts(y: number, M: number, d: number, h = 0, m = 0, s = 0): boolean {
  const t = new Date(Date.UTC(y, M - 1, d, h, m, s));
  return t.getUTCFullYear() === y && t.getUTCMonth() === M - 1 && t.getUTCDate() === d && h < 24 && m < 60 && s < 60;
}

/** Parses a date ('YYYY-MM-DD'), an Odoo datetime ('YYYY-MM-DD HH:MM:SS', UTC unless inputTz), ISO 8601 or epoch ms. */
export function parseInstant(v: unknown, inputTz = 'UTC'): Instant | string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'expected a date, got a non-finite number';
    return { ms: v, dateOnly: false };
  }
  if (v instanceof Date) {
    const t = v.getTime();
    return Number.isNaN(t) ? 'invalid date' : { ms: t, dateOnly: false };
  }
  if (typeof v !== 'string') return `expected a date or datetime string, got ${v === null ? 'null' : typeof v}`;
  if (v.length === 19 && v.charCodeAt(10) === 32 && inputTz === 'UTC') {
    // Fast path for Odoo datetimes 'YYYY-MM-DD HH:MM:SS' (UTC), the most common input.
    const y = num4(v, 0), M = num2(v, 5), d = num2(v, 8), h = num2(v, 11), mi = num2(v, 14), sec = num2(v, 17);
    if (y >= 0 && M > 0 && d > 0 && h >= 0 && mi >= 0 && sec >= 0 && v[4] === '-' && v[7] === '-' && v[13] === ':' && v[16] === ':') {
      if (M > 12 || d > daysIn(y, M) || h > 23 || mi > 59 || sec > 59) return `invalid datetime '${v}'`;
      return { ms: Date.UTC(y, M - 1, d, h, mi, sec), dateOnly: false };
    }
  }
  let m = DATE_RE.exec(v);
  if (m) {
    const y = +m[1]!, M = +m[2]!, d = +m[3]!;
    if (!validParts(y, M, d)) return `invalid date '${v}'`;
    return { ms: Date.UTC(y, M - 1, d), dateOnly: true };
  }
  m = DT_RE.exec(v);
  if (!m) return `expected a date (YYYY-MM-DD) or datetime (YYYY-MM-DD HH:MM:SS or ISO 8601), got '${v.length > 40 ? v.slice(0, 40) + '…' : v}'`;
  const y = +m[1]!, M = +m[2]!, d = +m[3]!, h = +m[4]!, mi = +m[5]!, s = m[6] ? +m[6] : 0;
  const frac = m[7] ? Math.floor(Number('0.' + m[7]) * 1000) : 0;
  if (!validParts(y, M, d, h, mi, s)) return `invalid datetime '${v}'`;
  const zone = m[8];
  if (zone) {
    let off = 0;
    if (zone !== 'Z') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      off = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    }
    return { ms: Date.UTC(y, M - 1, d, h, mi, s, frac) - off * 60000, dateOnly: false };
  }
  return { ms: fromWall(y, M, d, h, mi, s, frac, inputTz), dateOnly: false };
}

/**
 * Fast path of format_date {format: iso} from UTC to UTC for an Odoo datetime
 * 'YYYY-MM-DD HH:MM:SS' (year 1000 or later): the same text as parseInstant + formatInstant,
 * without the intermediate objects. Undefined for any other input (the general path decides).
 */
export function odooUtcToIso(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length !== 19 || v.charCodeAt(10) !== 32) return undefined;
  const y = num4(v, 0), M = num2(v, 5), d = num2(v, 8), h = num2(v, 11), mi = num2(v, 14), sec = num2(v, 17);
  if (!(y >= 1000 && M > 0 && d > 0 && h >= 0 && mi >= 0 && sec >= 0 && v[4] === '-' && v[7] === '-' && v[13] === ':' && v[16] === ':')) return undefined;
  if (M > 12 || d > daysIn(y, M) || h > 23 || mi > 59 || sec > 59) return undefined;
  return v.slice(0, 10) + 'T' + v.slice(11) + 'Z';
}

type Token = 'YYYY' | 'MM' | 'DD' | 'HH' | 'mm' | 'ss' | 'SSS' | 'Z';
export type DatePattern = (Token | { lit: string })[] | 'epoch_ms' | 'epoch_s';

const NAMED: Record<string, string> = {
  iso: 'YYYY-MM-DDTHH:mm:ssZ',
  date: 'YYYY-MM-DD',
  odoo: 'YYYY-MM-DD HH:mm:ss',
  time: 'HH:mm:ss',
};
export const NAMED_FORMATS = ['iso', 'date', 'odoo', 'time', 'epoch_ms', 'epoch_s'];

/** Compiles a format (named or pattern); returns an error message for unknown letters. */
export function compileDatePattern(format: string): DatePattern | { error: string } {
  if (format === 'epoch_ms' || format === 'epoch_s') return format;
  const src = NAMED[format] ?? format;
  const out: (Token | { lit: string })[] = [];
  let i = 0;
  while (i < src.length) {
    const rest = src.slice(i);
    const tok = (['YYYY', 'SSS', 'MM', 'DD', 'HH', 'mm', 'ss', 'Z'] as Token[]).find((t) => rest.startsWith(t));
    if (tok) {
      out.push(tok);
      i += tok.length;
      continue;
    }
    const ch = src[i]!;
    if (ch === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) return { error: `unclosed quote in date format '${format}'` };
      out.push({ lit: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (/[A-Za-z]/.test(ch) && ch !== 'T') {
      return { error: `unknown date format '${format}' (expected one of: ${NAMED_FORMATS.join(', ')}, or a pattern of YYYY MM DD HH mm ss SSS Z, T and 'quoted text')` };
    }
    out.push({ lit: ch });
    i++;
  }
  return out;
}

const p2 = (n: number) => (n < 10 ? '0' + n : String(n));

/** Formats an instant in a zone. Named format `odoo` always renders UTC (Odoo stores UTC). */
export function formatInstant(inst: Instant, pattern: DatePattern, tz: string): string | number {
  const ms = inst.dateOnly ? (() => { const t = new Date(inst.ms); return fromWall(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), 0, 0, 0, 0, tz); })() : inst.ms;
  if (pattern === 'epoch_ms') return ms;
  if (pattern === 'epoch_s') return Math.floor(ms / 1000);
  const w = wallAt(ms, tz);
  let s = '';
  for (const t of pattern) {
    if (typeof t === 'object') { s += t.lit; continue; }
    switch (t) {
      case 'YYYY': s += String(w.y).padStart(4, '0'); break;
      case 'MM': s += p2(w.M); break;
      case 'DD': s += p2(w.d); break;
      case 'HH': s += p2(w.h); break;
      case 'mm': s += p2(w.m); break;
      case 'ss': s += p2(w.s); break;
      case 'SSS': s += String(w.ms).padStart(3, '0'); break;
      case 'Z': {
        if (w.off === 0) s += 'Z';
        else {
          const a = Math.abs(w.off);
          s += (w.off < 0 ? '-' : '+') + p2(Math.floor(a / 60)) + ':' + p2(a % 60);
        }
        break;
      }
    }
  }
  return s;
}
