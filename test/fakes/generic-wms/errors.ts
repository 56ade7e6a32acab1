import type { Response } from 'express';
import type { Issue } from '../common/validation.js';

/** Generic WMS profile error body: {"error": {"code", "message", "field"?}}. */
export function wmsError(res: Response, status: number, code: string, message: string, field?: string): void {
  const error: Record<string, string> = { code, message };
  if (field !== undefined) error['field'] = field;
  res.status(status).json({ error });
}

export function validationError(res: Response, issues: Issue[]): void {
  const i = issues[0]!;
  if (i.code === 'unrecognized_keys') {
    const key = i.keys?.[0] ?? '';
    return wmsError(res, 400, 'unknown_field', `Unknown field '${key}'`, i.path ? `${i.path}.${key}` : key);
  }
  wmsError(res, 400, 'validation_error', i.message, i.path || undefined);
}
