import type { NextFunction, Request, Response } from 'express';
import { hsError } from './errors.js';

export function bearerToken(req: Request): string | undefined {
  const h = req.header('authorization');
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1] : undefined;
}

/** 401 INVALID_AUTHENTICATION unless a known private-app / OAuth token is presented. */
export function requireBearer(tokens: Set<string>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = bearerToken(req);
    if (!token) {
      hsError(
        res,
        401,
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      );
      return;
    }
    if (!tokens.has(token)) {
      hsError(res, 401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found or invalid. The access token is not valid, expired or revoked.');
      return;
    }
    res.locals['token'] = token;
    next();
  };
}
