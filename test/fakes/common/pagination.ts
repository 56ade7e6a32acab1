/** Opaque cursors (base64url JSON) and helpers for offset/page pagination. */

export function encodeCursor(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T extends Record<string, unknown>>(cursor: string): T | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as T) : null;
  } catch {
    return null;
  }
}

export interface Page<T> {
  items: T[];
  nextOffset: number | null;
  prevOffset: number | null;
  total: number;
}

export function sliceFrom<T>(all: T[], offset: number, size: number): Page<T> {
  const items = all.slice(offset, offset + size);
  const next = offset + size < all.length ? offset + size : null;
  const prev = offset > 0 ? Math.max(0, offset - size) : null;
  return { items, nextOffset: next, prevOffset: prev, total: all.length };
}
