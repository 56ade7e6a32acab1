import type { NextFunction, Request, Response } from 'express';
import type { Allocation } from '../common/rate-limit.js';
import { sfError } from './errors.js';

/**
 * Daily API request allocation per org. Every authenticated data API answer carries
 * `Sforce-Limit-Info: api-usage=<used>/<max>`; once used up: 403
 * [{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}].
 */
export function limitHeader(res: Response, a: Allocation): void {
  res.setHeader('Sforce-Limit-Info', `api-usage=${a.used}/${a.max}`);
}

export function sendLimitExceeded(res: Response, a: Allocation): void {
  limitHeader(res, a);
  sfError(res, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
}

export function dailyAllocation(a: Allocation) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (!a.take()) return sendLimitExceeded(res, a);
    limitHeader(res, a);
    next();
  };
}
