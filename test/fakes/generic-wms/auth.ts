import type { NextFunction, Request, Response } from 'express';
import type { SlidingWindowLimiter } from '../common/rate-limit.js';
import { wmsError } from './errors.js';

export const API_KEY_HEADER = 'x-api-key';

/** 401 {"error":{"code":"unauthorized"}} unless X-API-Key is one of the configured keys. */
export function requireApiKey(keys: Set<string>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const key = req.header(API_KEY_HEADER);
    if (!key || !keys.has(key)) return wmsError(res, 401, 'unauthorized', key ? 'Invalid API key' : 'Missing X-API-Key header');
    res.locals['token'] = key;
    next();
  };
}

/** Per-key sliding window; every answer carries RateLimit-Limit / RateLimit-Remaining; 429 adds Retry-After (seconds). */
export function send429(res: Response, retryAfterMs: number, limit: number): void {
  res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  res.setHeader('RateLimit-Limit', String(limit));
  res.setHeader('RateLimit-Remaining', '0');
  wmsError(res, 429, 'rate_limited', 'Too many requests');
}

export function rateLimit(limiter: SlidingWindowLimiter) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const d = limiter.take(String(res.locals['token']));
    if (!d.allowed) return send429(res, d.retryAfterMs, d.limit);
    res.setHeader('RateLimit-Limit', String(d.limit));
    res.setHeader('RateLimit-Remaining', String(d.remaining));
    next();
  };
}
