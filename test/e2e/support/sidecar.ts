import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_LOGIN, SERVICE_PASSWORD, type OdooTestEnv } from './odoo-env.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface RunningSidecar { proc: ChildProcess; dir: string; output: () => string; stop: () => Promise<number | null> }

/** Starts the real sidecar binary (`sync-bridge start`) with a config file written for the test. */
export function startSidecar(env: OdooTestEnv, configYaml: string, extraEnv: Record<string, string> = {}): RunningSidecar {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-e2e-'));
  const file = path.join(dir, 'bridge.config.yaml');
  fs.writeFileSync(file, configYaml.replaceAll('$STATE', path.join(dir, 'state.sqlite')).replaceAll('$MAPPINGS', path.join(root, 'mappings')));
  let out = '';
  const proc = spawn(process.execPath, [path.join(root, 'dist/bridge/cli.js'), 'start', '--config', file], {
    env: {
      PATH: process.env.PATH ?? '', ODOO_URL: env.url, ODOO_DB: env.db, ODOO_USERNAME: SERVICE_LOGIN, ODOO_API_KEY: SERVICE_PASSWORD,
      LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  return {
    proc, dir,
    output: () => out,
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null) { resolve(proc.exitCode); return; }
      proc.once('exit', (code) => resolve(code));
      proc.kill('SIGTERM');
    }),
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 300): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) { last = err; }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}
