import type { ErrorExtractor } from '../http/classify.js';
import { genericErrorExtractor } from '../http/classify.js';
import { isObj, str } from '../payload.js';

/** HubSpot error body: `{status, message, correlationId, category, errors[]}`. */
export const hubSpotErrorExtractor: ErrorExtractor = (res) => {
  const b = res.body;
  if (!isObj(b) || (b.message === undefined && b.category === undefined)) return genericErrorExtractor(res);
  const details = Array.isArray(b.errors)
    ? b.errors.filter(isObj).map((e) => str(e.message)).filter((m): m is string => m !== undefined && m !== str(b.message))
    : [];
  const corr = str(b.correlationId);
  const category = str(b.category);
  const message = [str(b.message), ...details].filter(Boolean).join(' | ') + (corr ? ` (HubSpot correlationId ${corr})` : '');
  return {
    message: message || undefined,
    code: category,
    validation: category === 'VALIDATION_ERROR' || category === 'PROPERTY_DOESNT_EXIST' || category === 'INVALID_PARAMS',
    conflict: category === 'CONFLICT' || category === 'OBJECT_ALREADY_EXISTS',
  };
};
