import type { NextFunction, Request, Response } from 'express';
import { problem, unauthorized } from './errors.js';

/** Bearer token from `Authorization: Bearer <token>` (scheme is case-insensitive). */
export function bearerToken(req: Request): string | undefined {
  const h = req.header('authorization');
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1] : undefined;
}

/** 401 (empty body, WWW-Authenticate) unless the request carries one of the accepted tokens. */
export function requireBearer(tokens: Set<string>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = bearerToken(req);
    if (!token || !tokens.has(token)) {
      unauthorized(res, token !== undefined);
      return;
    }
    res.locals['token'] = token;
    next();
  };
}

/**
 * The `shipbob_channel_id` header, required on order and return creation. Missing or not a
 * number: 400 problem; a channel the token cannot write to: 403 problem.
 */
export function channelId(req: Request, res: Response, channels: Array<{ id: number }>, required: true): number | undefined;
export function channelId(req: Request, res: Response, channels: Array<{ id: number }>, required: false): number | null | undefined;
export function channelId(req: Request, res: Response, channels: Array<{ id: number }>, required: boolean): number | null | undefined {
  const raw = req.header('shipbob_channel_id');
  if (raw === undefined || raw.trim() === '') {
    if (!required) return null;
    problem(res, 400, { errors: { shipbob_channel_id: ['The shipbob_channel_id header is required.'] } });
    return undefined;
  }
  if (!/^\d+$/.test(raw.trim())) {
    problem(res, 400, { errors: { shipbob_channel_id: [`The value '${raw}' is not valid for shipbob_channel_id.`] } });
    return undefined;
  }
  const id = Number(raw.trim());
  if (!channels.some((c) => c.id === id)) {
    problem(res, 403, { detail: `The token has no access to channel ${id}.` });
    return undefined;
  }
  return id;
}
