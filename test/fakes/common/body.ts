import type { NextFunction, Request, Response } from 'express';

/** Raw request bodies, kept so each fake can answer malformed JSON the way its vendor does. */
const rawBodies = new WeakMap<Request, string>();

export function captureRawBody(limitBytes = 10 * 1024 * 1024) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') {
      rawBodies.set(req, '');
      next();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limitBytes && !failed) {
        failed = true;
        res.status(413).end();
      }
      if (!failed) chunks.push(c);
    });
    req.on('end', () => {
      if (failed) return;
      rawBodies.set(req, Buffer.concat(chunks).toString('utf8'));
      next();
    });
    req.on('error', () => undefined);
  };
}

export function rawBody(req: Request): string {
  return rawBodies.get(req) ?? '';
}

export type JsonResult = { ok: true; value: unknown; empty: boolean } | { ok: false; message: string };

/** Parses the captured body as JSON; an empty body parses to undefined with empty=true. */
export function jsonBody(req: Request): JsonResult {
  const raw = rawBody(req);
  if (raw.trim() === '') return { ok: true, value: undefined, empty: true };
  try {
    return { ok: true, value: JSON.parse(raw), empty: false };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

export function formBody(req: Request): URLSearchParams {
  return new URLSearchParams(rawBody(req));
}

/** First value of a query parameter (Express gives arrays for repeated parameters). */
export function queryValue(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return v === undefined ? undefined : String(v);
}

/** All values of a query parameter, accepting repeated parameters and comma-separated lists. */
export function queryList(v: unknown): string[] {
  const arr = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return arr.flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

/** Case-insensitive query lookup (ASP.NET-style APIs such as ShipBob bind query names case-insensitively). */
export function queryCI(query: Record<string, unknown>, name: string): unknown {
  const lower = name.toLowerCase();
  const vals: unknown[] = [];
  for (const [k, v] of Object.entries(query)) if (k.toLowerCase() === lower) vals.push(...(Array.isArray(v) ? v : [v]));
  if (vals.length === 0) return undefined;
  return vals.length === 1 ? vals[0] : vals;
}
