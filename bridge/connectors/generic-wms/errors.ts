import type { ErrorExtractor } from '../http/classify.js';
import { genericErrorExtractor } from '../http/classify.js';
import { isObj, str } from '../payload.js';

/** Default generic WMS error body: `{error: {code, message, field?}}`; other shapes fall back. */
export const genericWmsErrorExtractor: ErrorExtractor = (res) => {
  const b = res.body;
  if (isObj(b) && isObj(b.error)) {
    const e = b.error;
    const message = str(e.message);
    const field = str(e.field);
    const code = str(e.code);
    if (message || code) {
      return {
        message: message ? (field ? `${message} (field ${field})` : message) : undefined,
        code,
        validation: field !== undefined || /valid/i.test(code ?? ''),
        conflict: /conflict|duplicate/i.test(code ?? ''),
      };
    }
  }
  return genericErrorExtractor(res);
};
