import { classifyNetworkError } from './classify-fault.js';
import { OdooUnavailableError } from './odoo-errors.js';

/** Reads Odoo's version from /web/webclient/version_info (no authentication). */
export async function fetchServerVersion(url: string, timeoutMs: number): Promise<string> {
  let res: Response;
  try {
    res = await fetch(new URL('/web/webclient/version_info', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: {} }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw classifyNetworkError(err, 'version_info');
  }
  if (!res.ok) throw new OdooUnavailableError(`version_info: HTTP ${res.status} from ${url}`);
  const body = (await res.json()) as { result?: { server_version?: string } };
  const v = body.result?.server_version;
  if (!v) throw new OdooUnavailableError(`version_info: ${url} does not look like Odoo`);
  return v;
}

/**
 * The major series of an Odoo version string ("18.0", "18.0+e", "saas~18.3", "19.0-20251001"):
 * 18, 18, 18, 19. Throws on a string without one (fetchServerVersion already refused non-Odoo).
 */
export function odooSeriesOf(version: string): number {
  const m = /(\d+)\.\d+/.exec(version);
  if (!m) throw new OdooUnavailableError(`cannot tell the Odoo series from version '${version}'`);
  return Number(m[1]);
}
