import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { serviceEnv, type OdooTestEnv } from './odoo-env.js';
import { waitFor } from './wait.js';

// Re-exported: most suites take these from here with the sidecar itself.
export { freePort } from './ports.js';
export { sleep, waitFor } from './wait.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface SidecarOptions {
  /** Reuse this folder (config file and state file) instead of a new temporary one. */
  dir?: string;
  /** Odoo URL the sidecar uses (default env.url), e.g. a proxy in front of Odoo. */
  odooUrl?: string;
  /** Mappings folder substituted for $MAPPINGS (default: the repository's mappings/). */
  mappingsDir?: string;
  /** The sidecar's cli.js to run (default: this tree's dist/bridge/cli.js), e.g. an earlier release's build. */
  cli?: string;
}

export interface RunningSidecar {
  proc: ChildProcess;
  dir: string;
  /** The state file ($STATE). */
  statePath: string;
  output: () => string;
  /** SIGTERM and wait for the exit code. */
  stop: () => Promise<number | null>;
  /** Sends a signal (default SIGKILL) and waits until the process is gone. */
  kill: (signal?: NodeJS.Signals) => Promise<number | null>;
  /** Starts the same binary again with the same config and state file (after kill/stop). */
  restart: () => RunningSidecar;
}

/** Starts the real sidecar binary (`sync-bridge start`) with a config file written for the test. */
export function startSidecar(env: OdooTestEnv, configYaml: string, extraEnv: Record<string, string> = {}, opts: SidecarOptions = {}): RunningSidecar {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sb-e2e-'));
  const file = path.join(dir, 'bridge.config.yaml');
  const statePath = path.join(dir, 'state.sqlite');
  fs.writeFileSync(file, configYaml.replaceAll('$STATE', statePath).replaceAll('$MAPPINGS', opts.mappingsDir ?? path.join(root, 'mappings')));
  const vars = {
    PATH: process.env.PATH ?? '', ODOO_URL: opts.odooUrl ?? env.url, ODOO_DB: env.db, ...serviceEnv(env),
    LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...extraEnv,
  };
  const launch = (): RunningSidecar => {
    let out = '';
    const proc = spawn(process.execPath, [opts.cli ?? path.join(root, 'dist/bridge/cli.js'), 'start', '--config', file], { env: vars, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = fs.createWriteStream(path.join(dir, 'sidecar.log'), { flags: 'a' });
    const keep = (d: Buffer) => { log.write(d); out += d.toString(); if (out.length > 4_000_000) out = out.slice(-2_000_000); };
    proc.once('exit', () => log.end());
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    const exited = new Promise<number | null>((resolve) => { proc.once('exit', (code) => resolve(code)); });
    const signal = (sig: NodeJS.Signals) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill(sig);
      return exited;
    };
    return { proc, dir, statePath, output: () => out, stop: () => signal('SIGTERM'), kill: (sig = 'SIGKILL') => signal(sig), restart: launch };
  };
  return launch();
}

/**
 * A copy of some of the repository's mapping files in a temporary mappings folder:
 * `{ shipbob: ['order_release.yaml'] }`. Lets a suite load only the mappings of the events it
 * produces (the others may ask Odoo for fields of modules the test database does not have).
 * `patches` ('folder/file' -> edit) adapt a copy where a shipped file has a known problem.
 */
export function mappingsSubset(files: Record<string, string[]>, patches: Record<string, (text: string) => string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-e2e-mappings-'));
  for (const [folder, names] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, folder), { recursive: true });
    for (const n of names) {
      const text = fs.readFileSync(path.join(root, 'mappings', folder, n), 'utf8');
      const patch = patches[`${folder}/${n}`];
      fs.writeFileSync(path.join(dir, folder, n), patch ? patch(text) : text);
    }
  }
  return dir;
}

/** GET /readyz of a sidecar listening on `port` (status code and body). */
export async function readyz(port: number): Promise<{ status: number; body: { ready: boolean; odoo: string; targets: Record<string, string> } }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as { ready: boolean; odoo: string; targets: Record<string, string> } };
}

/** Waits until a sidecar serves GET /healthz on `port`. */
export async function waitListening(port: number, timeoutMs = 60_000): Promise<void> {
  await waitFor('sidecar listening', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok, timeoutMs);
}

/**
 * A suite's `after`: stops its sidecar (SIGTERM), prints the last `tailChars` of its output when
 * the test failed, E2E_VERBOSE is set or the exit code is not 0, and expects exit code 0.
 */
export async function stopSidecarExpectingZero(sidecar: RunningSidecar | undefined, ctx: Mocha.Context, tailChars: number): Promise<void> {
  if (!sidecar) return;
  const code = await sidecar.stop();
  if (ctx.currentTest?.state === 'failed' || process.env.E2E_VERBOSE || code !== 0) console.log(sidecar.output().slice(-tailChars));
  expect(code, 'sidecar exits 0 on SIGTERM').to.equal(0);
}

/** Integer from the environment (for suite sizes), else the default. */
export function envInt(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
}
