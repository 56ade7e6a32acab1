import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import winston from 'winston';
import { targetSchema, type SecretRef, type TargetConfig } from '../../../bridge/config/schema.js';
import type { OutboundRequest } from '../../../bridge/connectors/connector.js';
import type { Logger } from '../../../bridge/log/logger.js';

export interface Recorded {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface TestServer {
  url: string;
  requests: Recorded[];
  app: Express;
  close(): Promise<void>;
  count(method: string, path: string | RegExp): number;
}

/** A local express server on 127.0.0.1:0 that records every request before the routes run. */
export async function startServer(routes: (app: Express) => void): Promise<TestServer> {
  const app = express();
  const requests: Recorded[] = [];
  app.use(express.json({ type: ['application/json', 'application/*+json'] }));
  app.use(express.urlencoded({ extended: false }));
  app.use((req, _res, next) => {
    requests.push({ method: req.method, path: req.path, query: { ...req.query }, headers: { ...req.headers }, body: req.body });
    next();
  });
  routes(app);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    app,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
    count: (method, path) => requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path))).length,
  };
}

/** A clock the tests move by hand; `sleep` advances it instead of waiting. */
export class FakeClock {
  t = 1_800_000_000_000;
  now = (): number => this.t;
  sleep = async (ms: number): Promise<void> => { this.t += ms; };
  advance(ms: number): void { this.t += ms; }
}

export const SECRETS: Record<string, string> = {
  TOKEN: 'tok_SECRET_bearer_123456',
  API_KEY: 'key_SECRET_apikey_abcdef',
  PASSWORD: 'pw_SECRET_basic_987654',
  CLIENT_SECRET: 'cs_SECRET_oauth_555555',
};

export const secret = (ref: SecretRef): string => {
  const name = 'env' in ref ? ref.env : ref.secret;
  const v = SECRETS[name];
  if (v === undefined) throw new Error(`no test secret ${name}`);
  return v;
};

export function target(raw: Record<string, unknown>): TargetConfig {
  return targetSchema.parse({ auth: { type: 'bearer', token: { env: 'TOKEN' } }, ...raw });
}

export const silentLog: Logger = winston.createLogger({ silent: true });

let seq = 0;
export function request(partial: Partial<OutboundRequest> & Pick<OutboundRequest, 'kind' | 'payload'>): OutboundRequest {
  seq++;
  return {
    target: 't1', eventType: 'release', model: 'sale.order', resId: 42, idempotencyKey: `evt-${seq}`,
    correlationId: `corr-${seq}`, attempts: 1, ...partial,
  };
}

/** Runs `fn`, expecting it to reject; returns the error. */
export async function rejects(fn: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await fn();
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection, but it resolved');
}

export function noSecretIn(text: string): boolean {
  return Object.values(SECRETS).every((s) => !text.includes(s)) && !/(Bearer|Basic)\s+(?!\[REDACTED\])\S{8,}/.test(text);
}
