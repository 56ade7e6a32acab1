import type { NextFunction, Request, Response } from 'express';
import type { Allocation, RateDecision, SlidingWindowLimiter } from '../common/rate-limit.js';
import { hsErrorBody } from './errors.js';

/**
 * HubSpot burst limit per token per 10-second rolling window (private apps: 100-190 by tier),
 * a daily limit, and the search endpoints' own per-second limit. Every answer carries
 * X-HubSpot-RateLimit-Max / -Remaining / -Interval-Milliseconds / -Daily / -Daily-Remaining.
 * Over the limit: 429 {status:"error", message:"You have reached your ten_secondly_rolling
 * limit.", errorType:"RATE_LIMIT", category:"RATE_LIMITS", policyName:"TEN_SECONDLY_ROLLING", ...}.
 */
export interface HubSpotLimiters {
  burst: SlidingWindowLimiter;
  daily: Allocation;
  search: SlidingWindowLimiter | null;
}

function headers(res: Response, d: Pick<RateDecision, 'limit' | 'remaining' | 'windowMs'>, daily: Allocation): void {
  res.setHeader('X-HubSpot-RateLimit-Max', String(d.limit));
  res.setHeader('X-HubSpot-RateLimit-Remaining', String(d.remaining));
  res.setHeader('X-HubSpot-RateLimit-Interval-Milliseconds', String(d.windowMs));
  res.setHeader('X-HubSpot-RateLimit-Daily', String(daily.max));
  res.setHeader('X-HubSpot-RateLimit-Daily-Remaining', String(Math.max(0, daily.max - daily.used)));
}

export function send429(res: Response, l: HubSpotLimiters, policy: 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY' = 'TEN_SECONDLY_ROLLING'): void {
  headers(res, { limit: l.burst.limit, remaining: 0, windowMs: l.burst.windowMs }, l.daily);
  const name = policy === 'DAILY' ? 'daily' : policy === 'SECONDLY' ? 'secondly' : 'ten_secondly_rolling';
  res.status(429).json({
    ...hsErrorBody('RATE_LIMITS', `You have reached your ${name} limit.`),
    errorType: 'RATE_LIMIT',
    policyName: policy,
    groupName: 'publicapi:private-app:burst',
  });
}

export function rateLimit(l: HubSpotLimiters) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = String(res.locals['token'] ?? '');
    if (l.daily.used >= l.daily.max) return send429(res, l, 'DAILY');
    if (l.search && req.method === 'POST' && /\/search$/.test(req.path)) {
      const s = l.search.take(token);
      if (!s.allowed) return send429(res, l, 'SECONDLY');
    }
    const d = l.burst.take(token);
    if (!d.allowed) return send429(res, l);
    l.daily.take();
    headers(res, d, l.daily);
    next();
  };
}
