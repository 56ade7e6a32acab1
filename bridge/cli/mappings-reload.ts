/** `sync-bridge mappings reload [--url http://host:port]`: asks the running sidecar to reload its mappings. */
import type { Writer } from './mappings-files.js';

export interface ReloadCallOptions {
  /** The admin token (server.admin_token of the config), undefined when none is set. */
  token: string | undefined;
  /** The sidecar's URL when --url is not given (from server.host / server.port of the config). */
  defaultUrl: string;
  writer: Writer;
  fetch?: typeof fetch;
}

interface ReloadAnswer {
  reloaded?: boolean;
  changed?: Array<{ file: string; old_version: string | null; new_version: string | null }>;
  unchanged?: number;
  correlation_id?: string;
  error?: { code?: string; message?: string; problems?: string[] };
}

const short = (v: string | null) => (v ? v.slice(0, 12) : '(none)');

/** The sidecar's URL from its server settings (a wildcard host is reached on the loopback). */
export function sidecarUrl(server: { host: string; port: number }): string {
  const host = server.host === '0.0.0.0' || server.host === '::' ? '127.0.0.1' : server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`;
}

/**
 * Calls `POST /admin/mappings/reload` and prints the outcome. Exit code 0 reloaded (each changed
 * file with its old and new version), 1 refused (each problem on its own line, the old mappings
 * stay live), 2 usage or no admin token, 3 no reload happened for another reason (sidecar
 * unreachable, token refused, a reload already running, the Odoo field check could not run).
 */
export async function mappingsReload(args: string[], o: ReloadCallOptions): Promise<number> {
  const w = o.writer;
  let url = o.defaultUrl;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--url' && args[i + 1]) url = args[++i]!;
    else if (a.startsWith('--url=')) url = a.slice(6);
    else { w.err(`mappings reload: unexpected argument ${a} (expected --url http://host:port)`); return 2; }
  }
  if (!/^https?:\/\//.test(url)) { w.err(`mappings reload: --url must be an http(s) URL, got ${url}`); return 2; }
  if (!o.token) { w.err('mappings reload: the config has no server.admin_token (the admin endpoint is off); set it, or send SIGHUP to the sidecar'); return 2; }
  const endpoint = `${url.replace(/\/+$/, '')}/admin/mappings/reload`;
  let res: Response;
  try {
    res = await (o.fetch ?? fetch)(endpoint, { method: 'POST', headers: { authorization: `Bearer ${o.token}` }, signal: AbortSignal.timeout(120_000) });
  } catch (err) {
    w.err(`mappings reload: cannot reach the sidecar at ${url} (${err instanceof Error ? err.message : String(err)}); is it running there? (--url)`);
    return 3;
  }
  let body: ReloadAnswer = {};
  try { body = (await res.json()) as ReloadAnswer; } catch { /* reported by status below */ }
  if (res.status === 200 && body.reloaded) {
    const changed = body.changed ?? [];
    for (const c of changed) w.out(`changed ${c.file}: ${short(c.old_version)} -> ${short(c.new_version)}`);
    w.out(`mappings reloaded: ${changed.length} changed, ${body.unchanged ?? 0} unchanged (correlation id ${body.correlation_id ?? '-'})`);
    return 0;
  }
  if (res.status === 422) {
    for (const p of body.error?.problems ?? []) w.err(p);
    w.err(`mappings reload refused: ${body.error?.message ?? 'the mappings are invalid'}`);
    return 1;
  }
  w.err(`mappings reload: ${res.status} ${body.error?.code ?? ''}: ${body.error?.message ?? res.statusText}`.replace(/ +:/, ':'));
  return 3;
}
