import { PermanentError } from '../../errors/index.js';

export type QueryValue = string | number | boolean | undefined | null | Array<string | number>;
export type Query = Record<string, QueryValue>;

/** Joins the target's base URL and a relative path, keeping the base's own path (e.g. /2026-01/). */
export function joinUrl(baseUrl: string, path: string, query?: Query): URL {
  let url: URL;
  if (/^https?:\/\//i.test(path)) {
    url = new URL(path);
  } else {
    const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    url = new URL(base + path.replace(/^\/+/, ''));
  }
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
      else url.searchParams.set(k, String(v));
    }
  }
  return url;
}

/** A URL is only followed (pagination links) when it stays on the target's origin: credentials never leave it. */
export function sameOrigin(a: string | URL, b: string | URL): boolean {
  return new URL(a).origin === new URL(b).origin;
}

/**
 * Fills `{name}` placeholders from `values`, URL-encoding each value. A placeholder without a
 * value is a configuration/mapping problem: PermanentError category 'mapping'.
 */
export function fillPath(template: string, values: Record<string, string | number | undefined | null>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined || v === null || v === '') {
      throw new PermanentError(`path ${template}: no value for {${name}} in the mapped payload`, { category: 'mapping' });
    }
    return encodeURIComponent(String(v));
  });
}
