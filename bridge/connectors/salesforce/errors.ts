import type { ErrorExtractor, VendorErrorInfo } from '../http/classify.js';
import { genericErrorExtractor } from '../http/classify.js';
import { isObj, str } from '../payload.js';

const VALIDATION = new Set([
  'REQUIRED_FIELD_MISSING', 'INVALID_FIELD', 'INVALID_FIELD_FOR_INSERT_UPDATE', 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'STRING_TOO_LONG', 'INVALID_TYPE_ON_FIELD_IN_RECORD', 'MALFORMED_ID', 'JSON_PARSER_ERROR', 'INVALID_EMAIL_ADDRESS',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'FIELD_INTEGRITY_EXCEPTION', 'NUMBER_OUTSIDE_VALID_RANGE', 'INVALID_CROSS_REFERENCE_KEY',
  'NOT_FOUND', 'INVALID_TYPE', 'APEX_ERROR',
]);
const CONFLICT = new Set(['DUPLICATE_VALUE', 'DUPLICATES_DETECTED', 'DUPLICATE_EXTERNAL_ID', 'ENTITY_IS_DELETED', 'ENTITY_IS_LOCKED']);
/** Codes that succeed when retried soon (record lock contention, server busy). */
const RETRY_SOON = new Map([['UNABLE_TO_LOCK_ROW', 5_000], ['SERVER_UNAVAILABLE', 30_000]]);

/**
 * Salesforce errors are a JSON array `[{message, errorCode, fields}]`. REQUEST_LIMIT_EXCEEDED
 * (the org's daily allocation, HTTP 403) is transient with a long retry (`limitRetryMs`).
 * An upsert matching several records answers 300 with a list of URLs: a 'conflict'.
 */
export function salesforceErrorExtractor(limitRetryMs: number): ErrorExtractor {
  return (res) => {
    const b = res.body;
    if (res.status === 300) {
      return { message: 'the external id matches more than one record', code: 'MULTIPLE_CHOICES', conflict: true };
    }
    if (!Array.isArray(b) || !b.some(isObj)) return genericErrorExtractor(res);
    const errs = b.filter(isObj);
    const codes = errs.map((e) => str(e.errorCode) ?? '').filter(Boolean);
    const message = errs
      .map((e) => {
        const fields = Array.isArray(e.fields) && e.fields.length ? ` [${e.fields.map(String).join(', ')}]` : '';
        return `${str(e.message) ?? ''}${fields}`;
      })
      .join(' | ');
    const info: VendorErrorInfo = { message, code: codes.join(',') || undefined };
    if (codes.includes('REQUEST_LIMIT_EXCEEDED')) {
      info.transientRetryMs = limitRetryMs;
      info.rateLimited = true;
    }
    else if (codes.length && codes.every((c) => RETRY_SOON.has(c))) info.transientRetryMs = Math.max(...codes.map((c) => RETRY_SOON.get(c)!));
    else if (codes.some((c) => CONFLICT.has(c))) info.conflict = true;
    else if (codes.some((c) => VALIDATION.has(c))) info.validation = true;
    return info;
  };
}
