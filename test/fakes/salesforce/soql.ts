/**
 * A deliberately small SOQL subset, enough for the bridge's queries:
 *   SELECT f1, f2, Rel.f3 FROM Obj
 *     [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST]] [LIMIT n] [OFFSET n]
 *   cond := term { (AND|OR) term } with parentheses and NOT;
 *   term := field (=|!=|<|<=|>|>=) literal | field [NOT] IN (literal, ...) | field LIKE 'pattern'
 *   literal := 'string' | number | true | false | null | YYYY-MM-DD | YYYY-MM-DDThh:mm:ss(Z|±hh:mm)
 * Mixing AND and OR without parentheses is rejected, as Salesforce does. Anything else
 * (aggregates, subqueries, GROUP BY, date literals such as TODAY) is MALFORMED_QUERY.
 */

export type Literal = string | number | boolean | null;

export type Cond =
  | { kind: 'cmp'; field: string; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Literal }
  | { kind: 'in'; field: string; not: boolean; values: Literal[] }
  | { kind: 'like'; field: string; pattern: string }
  | { kind: 'and' | 'or'; items: Cond[] }
  | { kind: 'not'; item: Cond };

export interface Query {
  fields: string[];
  from: string;
  where?: Cond;
  orderBy?: { field: string; desc: boolean; nullsLast: boolean };
  limit?: number;
  offset?: number;
}

export class SoqlError extends Error {}

interface Tok {
  t: 'ident' | 'string' | 'number' | 'op' | 'punct' | 'datetime';
  v: string;
  pos: number;
}

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      let s = '';
      while (j < q.length && q[j] !== "'") {
        if (q[j] === '\\' && j + 1 < q.length) {
          s += q[j + 1];
          j += 2;
        } else s += q[j++];
      }
      if (j >= q.length) throw new SoqlError(`unexpected end of query: unterminated string at ${i}`);
      out.push({ t: 'string', v: s, pos: i });
      i = j + 1;
      continue;
    }
    const dt = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2}))?/.exec(q.slice(i));
    if (dt) {
      out.push({ t: 'datetime', v: dt[0], pos: i });
      i += dt[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(q.slice(i));
    if (num) {
      out.push({ t: 'number', v: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const op = /^(<=|>=|!=|<>|=|<|>)/.exec(q.slice(i));
    if (op) {
      out.push({ t: 'op', v: op[0] === '<>' ? '!=' : op[0], pos: i });
      i += op[0].length;
      continue;
    }
    if ('(),'.includes(c)) {
      out.push({ t: 'punct', v: c, pos: i });
      i++;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?/.exec(q.slice(i));
    if (id) {
      out.push({ t: 'ident', v: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    throw new SoqlError(`unexpected token: '${c}'`);
  }
  return out;
}

export function parseSoql(q: string): Query {
  const toks = tokenize(q);
  let p = 0;
  const peek = () => toks[p];
  const kw = (w: string) => peek()?.t === 'ident' && peek()!.v.toUpperCase() === w;
  const expectKw = (w: string) => {
    if (!kw(w)) throw new SoqlError(`unexpected token: '${peek()?.v ?? '<EOF>'}' (expected ${w})`);
    p++;
  };
  const ident = (): string => {
    const t = peek();
    if (!t || t.t !== 'ident') throw new SoqlError(`unexpected token: '${t?.v ?? '<EOF>'}'`);
    p++;
    return t.v;
  };
  const literal = (): Literal => {
    const t = peek();
    if (!t) throw new SoqlError('unexpected end of query');
    p++;
    if (t.t === 'string') return t.v;
    if (t.t === 'number') return Number(t.v);
    if (t.t === 'datetime') return t.v;
    if (t.t === 'ident' && ['TRUE', 'FALSE'].includes(t.v.toUpperCase())) return t.v.toUpperCase() === 'TRUE';
    if (t.t === 'ident' && t.v.toUpperCase() === 'NULL') return null;
    throw new SoqlError(`unexpected token: '${t.v}'`);
  };

  expectKw('SELECT');
  const fields: string[] = [];
  do {
    if (peek()?.v === ',') p++;
    const f = ident();
    if (peek()?.v === '(') throw new SoqlError(`unexpected token: '(' (functions such as ${f}() are not supported by this fake)`);
    fields.push(f);
  } while (peek()?.v === ',');
  expectKw('FROM');
  const from = ident();
  const query: Query = { fields, from };

  const term = (): Cond => {
    if (peek()?.v === '(') {
      p++;
      const c = expr();
      if (peek()?.v !== ')') throw new SoqlError(`unexpected token: '${peek()?.v ?? '<EOF>'}' (expected ')')`);
      p++;
      return c;
    }
    if (kw('NOT')) {
      p++;
      return { kind: 'not', item: term() };
    }
    const field = ident();
    if (kw('NOT') || kw('IN')) {
      const not = kw('NOT');
      if (not) p++;
      expectKw('IN');
      if (peek()?.v !== '(') throw new SoqlError(`unexpected token: '${peek()?.v ?? '<EOF>'}' (expected '(')`);
      p++;
      const values: Literal[] = [];
      while (peek() && peek()!.v !== ')') {
        values.push(literal());
        if (peek()?.v === ',') p++;
      }
      if (!peek()) throw new SoqlError('unexpected end of query');
      p++;
      return { kind: 'in', field, not, values };
    }
    if (kw('LIKE')) {
      p++;
      const v = literal();
      if (typeof v !== 'string') throw new SoqlError('LIKE needs a string literal');
      return { kind: 'like', field, pattern: v };
    }
    const op = peek();
    if (!op || op.t !== 'op') throw new SoqlError(`unexpected token: '${op?.v ?? '<EOF>'}'`);
    p++;
    return { kind: 'cmp', field, op: op.v as '=', value: literal() };
  };
  const expr = (): Cond => {
    const items = [term()];
    let joiner: 'and' | 'or' | undefined;
    while (kw('AND') || kw('OR')) {
      const j = peek()!.v.toLowerCase() as 'and' | 'or';
      if (joiner && joiner !== j) throw new SoqlError(`unexpected token: '${peek()!.v}' (use parentheses when mixing AND and OR)`);
      joiner = j;
      p++;
      items.push(term());
    }
    return items.length === 1 ? items[0]! : { kind: joiner!, items };
  };

  if (kw('WHERE')) {
    p++;
    query.where = expr();
  }
  if (kw('ORDER')) {
    p++;
    expectKw('BY');
    const field = ident();
    let desc = false;
    if (kw('ASC') || kw('DESC')) desc = toks[p++]!.v.toUpperCase() === 'DESC';
    let nullsLast = desc;
    if (kw('NULLS')) {
      p++;
      if (kw('FIRST')) nullsLast = false;
      else if (kw('LAST')) nullsLast = true;
      else throw new SoqlError(`unexpected token: '${peek()?.v ?? '<EOF>'}'`);
      p++;
    }
    query.orderBy = { field, desc, nullsLast };
  }
  if (kw('LIMIT')) {
    p++;
    const t = peek();
    if (t?.t !== 'number' || !/^\d+$/.test(t.v)) throw new SoqlError(`unexpected token: '${t?.v ?? '<EOF>'}'`);
    query.limit = Number(t.v);
    p++;
  }
  if (kw('OFFSET')) {
    p++;
    const t = peek();
    if (t?.t !== 'number' || !/^\d+$/.test(t.v)) throw new SoqlError(`unexpected token: '${t?.v ?? '<EOF>'}'`);
    query.offset = Number(t.v);
    if (query.offset > 2000) throw new SoqlError('maximum SOQL offset allowed is 2000');
    p++;
  }
  if (p < toks.length) throw new SoqlError(`unexpected token: '${toks[p]!.v}'`);
  return query;
}

const SF_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** Evaluates a condition; `get` resolves a (possibly dotted) field to its value. */
export function evaluate(c: Cond, get: (field: string) => unknown): boolean {
  const norm = (v: unknown): unknown => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : v);
  const eq = (a: unknown, b: Literal) => {
    if (a === undefined) a = null;
    if (b === null || a === null) return a === b;
    if (typeof b === 'string' && typeof a === 'string') {
      if (/^\d{4}-\d{2}-\d{2}T/.test(b)) return Date.parse(a) === Date.parse(b);
      // Record ids: a 15-character id equals its 18-character form (case-sensitive part).
      if (SF_ID.test(a) && SF_ID.test(b) && a.length !== b.length) return a.slice(0, 15) === b.slice(0, 15);
      return a.toLowerCase() === b.toLowerCase();
    }
    return a === b || String(a) === String(b);
  };
  switch (c.kind) {
    case 'and':
      return c.items.every((i) => evaluate(i, get));
    case 'or':
      return c.items.some((i) => evaluate(i, get));
    case 'not':
      return !evaluate(c.item, get);
    case 'in': {
      const v = get(c.field);
      const hit = c.values.some((x) => eq(v, x));
      return c.not ? !hit : hit;
    }
    case 'like': {
      const v = get(c.field);
      if (typeof v !== 'string') return false;
      const re = new RegExp(`^${c.pattern.split('%').map((s) => s.split('_').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.')).join('.*')}$`, 'i');
      return re.test(v);
    }
    case 'cmp': {
      const v = get(c.field);
      if (c.op === '=') return eq(v, c.value);
      if (c.op === '!=') return !eq(v, c.value);
      if (v === null || v === undefined || c.value === null) return false;
      const a = norm(v) as number | string;
      const b = norm(c.value) as number | string;
      if (c.op === '<') return a < b;
      if (c.op === '<=') return a <= b;
      if (c.op === '>') return a > b;
      return a >= b;
    }
  }
}
