import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A webhook receiver for tests: keeps raw bodies and headers; answers `statusFor(n)` (default 200). */
export interface ReceivedHook {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface Receiver {
  url: string;
  received: ReceivedHook[];
  statusFor: (index: number) => number;
  close(): Promise<void>;
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedHook[]>;
}

export async function startReceiver(path = '/hooks'): Promise<Receiver> {
  const received: ReceivedHook[] = [];
  const r: Partial<Receiver> = { received, statusFor: () => 200 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
      received.push({ method: req.method ?? '', url: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = r.statusFor!(received.length - 1);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${port}${path}`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  r.waitFor = async (n: number, timeoutMs = 2000) => {
    const end = Date.now() + timeoutMs;
    while (received.length < n && Date.now() < end) await new Promise((x) => setTimeout(x, 10));
    return received;
  };
  return r as Receiver;
}

export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown; raw?: string; signal?: AbortSignal } = {},
): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const req: RequestInit = { method: init.method ?? 'GET', headers };
  if (body !== undefined) req.body = body;
  if (init.signal) req.signal = init.signal;
  const res = await fetch(url, req);
  const text = await res.text();
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The error code of a failed fetch (ECONNREFUSED, ECONNRESET, ...). */
export async function fetchErrorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no-error';
  } catch (e) {
    const cause = (e as { cause?: { code?: string; name?: string } }).cause;
    return cause?.code ?? (e as { name?: string }).name ?? String(e);
  }
}
