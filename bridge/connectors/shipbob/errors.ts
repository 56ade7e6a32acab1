import type { ErrorExtractor } from '../http/classify.js';
import { isObj, str } from '../payload.js';

/**
 * ShipBob (ASP.NET) answers errors as RFC 9457 problem details: `{type, title, status,
 * detail?, errors?: {<json path>: [messages]}, traceId}`; a 401 from its gateway has no body.
 */
export const shipBobErrorExtractor: ErrorExtractor = (res) => {
  const b = res.body;
  if (isObj(b)) {
    const parts: string[] = [];
    const detail = str(b.detail);
    const title = str(b.title);
    if (detail) parts.push(detail);
    else if (title) parts.push(title);
    if (isObj(b.errors)) {
      for (const [field, msgs] of Object.entries(b.errors)) {
        const list = Array.isArray(msgs) ? msgs.map(String) : [String(msgs)];
        parts.push(`${field}: ${list.join('; ')}`);
      }
    }
    const message = str(b.message);
    if (message && parts.length === 0) parts.push(message);
    const validation = isObj(b.errors) || res.status === 400;
    return { message: parts.join(' | ') || undefined, validation };
  }
  const text = res.text.trim();
  if (Array.isArray(b)) return { message: b.map(String).join('; ') };
  if (text && text.length <= 300 && !text.startsWith('<')) return { message: text };
  return {};
};

/** Whether a rejection of POST /order says the reference_id is already used. */
export function looksDuplicate(status: number, message: string): boolean {
  return status === 409 || /duplicate|already exists|already been used|unique/i.test(message);
}
