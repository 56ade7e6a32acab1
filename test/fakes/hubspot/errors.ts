import type { Response } from 'express';
import { uuid } from '../common/ids.js';

/**
 * HubSpot error body: {status: "error", message, correlationId, category, subCategory?,
 * errors?: [{message, code?, in?, context?}], context?}.
 */
export interface HubSpotErrorDetail {
  message: string;
  code?: string;
  in?: string;
  context?: Record<string, string[]>;
  subCategory?: string;
}

export interface HubSpotErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category: string;
  subCategory?: string;
  errors?: HubSpotErrorDetail[];
  context?: Record<string, string[]>;
  [k: string]: unknown;
}

export function hsErrorBody(category: string, message: string, extra: Partial<HubSpotErrorBody> = {}): HubSpotErrorBody {
  return { status: 'error', message, correlationId: uuid(), category, ...extra };
}

export function hsError(res: Response, status: number, category: string, message: string, extra: Partial<HubSpotErrorBody> = {}): void {
  res.status(status).json(hsErrorBody(category, message, extra));
}

export function invalidJson(res: Response, message: string): void {
  hsError(res, 400, 'VALIDATION_ERROR', `Invalid input JSON on line 1, column 1: ${message}`);
}

/** One invalid property, in the shape HubSpot embeds in "Property values were not valid: [...]". */
export interface PropertyProblem {
  name: string;
  error: 'PROPERTY_DOESNT_EXIST' | 'INVALID_FLOAT' | 'INVALID_INTEGER' | 'INVALID_OPTION' | 'INVALID_DATE' | 'INVALID_BOOLEAN' | 'READ_ONLY_VALUE' | 'INVALID_EMAIL';
  message: string;
}

export function propertyErrorBody(problems: PropertyProblem[], portalId: number): HubSpotErrorBody {
  const embedded = problems.map((p) => ({
    isValid: false,
    message: p.message,
    error: p.error,
    name: p.name,
    localizedErrorMessage: p.message,
    portalId,
  }));
  return hsErrorBody('VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify(embedded)}`, {
    errors: problems.map((p) => ({ message: p.message, code: p.error, context: { propertyName: [p.name] } })),
  });
}

export function propertyError(res: Response, problems: PropertyProblem[], portalId: number): void {
  res.status(400).json(propertyErrorBody(problems, portalId));
}

export function notFound(res: Response, message = 'resource not found'): void {
  hsError(res, 404, 'OBJECT_NOT_FOUND', message);
}
