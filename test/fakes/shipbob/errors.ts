import type { Response } from 'express';
import { randomBytes } from 'node:crypto';
import type { Issue } from '../common/validation.js';

/**
 * ShipBob's API is ASP.NET: errors are RFC 9457 problem details. Validation failures use
 * ValidationProblemDetails: {type, title, status, errors: {<json path>: [messages]}, traceId}.
 */
export interface ShipBobProblem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Record<string, string[]>;
  traceId: string;
}

const TYPES: Record<number, string> = {
  400: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
  403: 'https://tools.ietf.org/html/rfc9110#section-15.5.4',
  404: 'https://tools.ietf.org/html/rfc9110#section-15.5.5',
  422: 'https://tools.ietf.org/html/rfc4918#section-11.2',
  429: 'https://tools.ietf.org/html/rfc6585#section-4',
  500: 'https://tools.ietf.org/html/rfc9110#section-15.6.1',
  502: 'https://tools.ietf.org/html/rfc9110#section-15.6.3',
  503: 'https://tools.ietf.org/html/rfc9110#section-15.6.4',
  504: 'https://tools.ietf.org/html/rfc9110#section-15.6.5',
};

const TITLES: Record<number, string> = {
  400: 'One or more validation errors occurred.',
  403: 'Forbidden',
  404: 'Not Found',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'An error occurred while processing your request.',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function traceId(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`;
}

export function problem(res: Response, status: number, extra: { detail?: string; errors?: Record<string, string[]>; title?: string } = {}): void {
  const body: ShipBobProblem = {
    type: TYPES[status] ?? 'about:blank',
    title: extra.title ?? TITLES[status] ?? 'Error',
    status,
    traceId: traceId(),
  };
  if (extra.detail !== undefined) body.detail = extra.detail;
  if (extra.errors !== undefined) body.errors = extra.errors;
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}

/** 400 ValidationProblemDetails; issue paths become the keys of `errors`. */
export function validationProblem(res: Response, issues: Issue[], status = 400): void {
  const errors: Record<string, string[]> = {};
  for (const i of issues) {
    const key = i.path === '' ? '$' : i.path;
    const msg =
      i.code === 'invalid_type' && /received undefined/.test(i.message) ? `The ${key.split('.').pop()} field is required.` : i.message;
    (errors[key] ??= []).push(msg);
  }
  problem(res, status, { errors });
}

export function invalidJson(res: Response, message: string): void {
  problem(res, 400, { errors: { $: [`The JSON value could not be converted: ${message}`] } });
}

/** 401 from the ShipBob gateway: empty body and a WWW-Authenticate challenge. */
export function unauthorized(res: Response, hadToken: boolean): void {
  res.setHeader('WWW-Authenticate', hadToken ? 'Bearer error="invalid_token"' : 'Bearer');
  res.status(401).end();
}

export function notFound(res: Response, detail?: string): void {
  problem(res, 404, detail === undefined ? {} : { detail });
}
