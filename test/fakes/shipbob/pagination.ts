import type { Request } from 'express';
import { decodeCursor, encodeCursor, sliceFrom } from '../common/pagination.js';

/**
 * ShipBob cursor pagination (products, inventory, returns): body {items, first, prev, next, last}
 * where each link is a path with a `Cursor` query parameter (null when there is no such page).
 * Orders use Page/Limit with headers instead (see orders routes).
 */
export interface CursorPage<T> {
  first: string | null;
  prev: string | null;
  next: string | null;
  last: string | null;
  items: T[];
}

export function cursorPage<T>(req: Request, all: T[], pageSize: number, cursor: string | undefined): CursorPage<T> | 'bad-cursor' {
  let offset = 0;
  if (cursor !== undefined) {
    const c = decodeCursor<{ o: number }>(cursor);
    if (!c || typeof c.o !== 'number' || c.o < 0) return 'bad-cursor';
    offset = c.o;
  }
  const page = sliceFrom(all, offset, pageSize);
  const base = req.baseUrl + req.path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query)) {
    if (k.toLowerCase() === 'cursor') continue;
    for (const x of Array.isArray(v) ? v : [v]) params.append(k, String(x));
  }
  const link = (o: number) => {
    const p = new URLSearchParams(params);
    p.set('Cursor', encodeCursor({ o }));
    return `${base}?${p.toString()}`;
  };
  const lastOffset = all.length === 0 ? 0 : Math.floor((all.length - 1) / pageSize) * pageSize;
  return {
    first: link(0),
    prev: page.prevOffset === null ? null : link(page.prevOffset),
    next: page.nextOffset === null ? null : link(page.nextOffset),
    last: link(lastOffset),
    items: page.items,
  };
}
