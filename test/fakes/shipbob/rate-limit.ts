import type { NextFunction, Request, Response } from 'express';
import type { RateDecision, SlidingWindowLimiter } from '../common/rate-limit.js';
import { problem } from './errors.js';

/**
 * ShipBob: 150 requests per minute per user per app, sliding window. Every answer carries
 * `x-remaining-calls`; a 429 also carries `x-retry-after` (seconds).
 */
export function send429(res: Response, d: Pick<RateDecision, 'retryAfterMs'>): void {
  res.setHeader('x-retry-after', String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))));
  res.setHeader('x-remaining-calls', '0');
  problem(res, 429, { detail: 'API rate limit exceeded.' });
}

export function rateLimit(limiter: SlidingWindowLimiter) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const token = String(res.locals['token'] ?? '');
    const d = limiter.take(token);
    if (!d.allowed) {
      send429(res, d);
      return;
    }
    res.setHeader('x-remaining-calls', String(d.remaining));
    next();
  };
}
