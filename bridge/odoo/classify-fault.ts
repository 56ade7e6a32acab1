import type { BridgeError } from '../errors/index.js';
import {
  OdooAccessError, OdooAuthError, OdooMissingError, OdooServerError, OdooUnavailableError, OdooValidationError,
} from './odoo-errors.js';

/**
 * Maps what an Odoo call failed with to a typed error. Pure, so both transports and the tests
 * share it. Inputs: an XML-RPC fault (faultCode/faultString, Odoo's /xmlrpc/2 codes:
 * 1 application error with traceback, 2 UserError/ValidationError/MissingError, 3 AccessDenied,
 * 4 AccessError), a JSON-2 error body ({name, message}), or a network error (code ECONN...).
 */
const TRANSIENT_TRACE = /LockError|could not be locked|SerializationFailure|could not serialize access|LockNotAvailable|deadlock detected|PoolError|OperationalError|InterfaceError|connection already closed|server closed the connection/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const MISSING = /MissingError|does not exist or has been deleted/;

function lastLine(s: string): string {
  const lines = s.trim().split('\n').filter((l) => l.trim() !== '');
  return (lines[lines.length - 1] ?? s).trim();
}

function cut(s: string, n = 500): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

export interface FaultLike { faultCode?: unknown; faultString?: unknown }
export interface Json2ErrorBody { name?: string; message?: string; arguments?: unknown[]; debug?: string }

export function classifyXmlRpcFault(fault: FaultLike, where: string): BridgeError {
  const code = Number(fault.faultCode);
  const text = String(fault.faultString ?? '');
  const msg = `${where}: ${cut(text.replace(/^warning -- \w+\n\n/, ''))}`;
  switch (code) {
    case 3: return new OdooAuthError(`${where}: Odoo refused the credentials (check odoo.username and the API key)`);
    case 4: return new OdooAccessError(msg);
    case 2:
      if (/LockError|Cannot grab a lock on records/.test(text)) return new OdooUnavailableError(msg); // Odoo 19: records locked, retry later
      return MISSING.test(text) ? new OdooMissingError(msg) : new OdooValidationError(msg);
    default:
      if (TRANSIENT_TRACE.test(text)) return new OdooUnavailableError(`${where}: ${cut(lastLine(text))}`);
      return new OdooServerError(`${where}: ${cut(lastLine(text))}`, { details: { trace: cut(text, 4000) } });
  }
}

export function classifyJson2Error(status: number, body: Json2ErrorBody | undefined, where: string): BridgeError {
  const name = body?.name ?? '';
  const message = `${where}: ${cut(body?.message ?? `HTTP ${status}`)}`;
  if (status === 401 || /AccessDenied/.test(name)) return new OdooAuthError(`${where}: Odoo refused the API key (HTTP ${status})`);
  // 409: LockError (Odoo 19: records locked by another transaction), retry later.
  if (status === 409 || status === 429 || status === 502 || status === 503 || status === 504 || /LockError/.test(name)) return new OdooUnavailableError(message);
  if (/AccessError/.test(name) || status === 403) return new OdooAccessError(message);
  if (/MissingError/.test(name) || status === 404) return new OdooMissingError(message);
  if (/UserError|ValidationError|RedirectWarning/.test(name) || status === 422 || status === 400) return new OdooValidationError(message);
  if (TRANSIENT_TRACE.test(`${name} ${body?.message ?? ''} ${body?.debug ?? ''}`)) return new OdooUnavailableError(message);
  return new OdooServerError(message);
}

export function classifyNetworkError(err: unknown, where: string): BridgeError {
  // fetch (JSON-2) wraps the socket error: TypeError('fetch failed') with the errno in `cause`.
  const outer = err as { code?: string; name?: string; message?: string; cause?: unknown };
  const inner = outer.cause && typeof outer.cause === 'object' ? outer.cause as { code?: string; name?: string; message?: string } : undefined;
  const e = inner?.code && NETWORK_CODES.has(inner.code) ? inner : outer;
  if ((e.code && NETWORK_CODES.has(e.code)) || e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new OdooUnavailableError(`${where}: Odoo unreachable (${e.code ?? e.name}: ${e.message ?? ''})`, { cause: err });
  }
  // A non-XML answer (proxy error page, Odoo restarting) surfaces as a parse error.
  if (/Unknown XML-RPC tag|Non-whitespace before first tag|Unexpected end|Invalid XML|socket hang up/i.test(e.message ?? '')) {
    return new OdooUnavailableError(`${where}: Odoo answered with something other than XML-RPC (${e.message ?? ''})`, { cause: err });
  }
  return new OdooServerError(`${where}: ${e.message ?? String(err)}`, { cause: err });
}
