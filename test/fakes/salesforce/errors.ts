import type { Response } from 'express';

/** Salesforce REST errors: a JSON array of {message, errorCode, fields?}. */
export interface SfError {
  message: string;
  errorCode: string;
  fields?: string[];
}

/** Errors inside sObject Collections results use statusCode instead of errorCode. */
export interface SfCollectionError {
  statusCode: string;
  message: string;
  fields: string[];
}

export function sfError(res: Response, status: number, errorCode: string, message: string, fields?: string[]): void {
  const e: SfError = { message, errorCode };
  if (fields !== undefined) e.fields = fields;
  res.status(status).json([e]);
}

export function sfErrors(res: Response, status: number, errors: SfError[]): void {
  res.status(status).json(errors);
}

export class SfFault extends Error {
  constructor(
    readonly status: number,
    readonly errors: SfError[],
  ) {
    super(errors.map((e) => `${e.errorCode}: ${e.message}`).join('; '));
  }
  static of(status: number, errorCode: string, message: string, fields?: string[]): SfFault {
    const e: SfError = { message, errorCode };
    if (fields !== undefined) e.fields = fields;
    return new SfFault(status, [e]);
  }
}

export function sendFault(res: Response, e: unknown): void {
  if (e instanceof SfFault) sfErrors(res, e.status, e.errors);
  else throw e;
}
