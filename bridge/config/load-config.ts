import fs from 'node:fs';
import os from 'node:os';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { configSchema, SECRET_REF_MESSAGE, type BridgeConfig, type SecretRef } from './schema.js';

/** Environment variables that override the file (documented in README.md). */
const ENV_OVERRIDES: Array<[string, string[]]> = [
  ['ODOO_URL', ['odoo', 'url']],
  ['ODOO_DB', ['odoo', 'db']],
  ['ODOO_USERNAME', ['odoo', 'username']],
  ['ODOO_PROTOCOL', ['odoo', 'protocol']],
  ['BRIDGE_STATE_PATH', ['state', 'path']],
  ['BRIDGE_PORT', ['server', 'port']],
  ['BRIDGE_MAPPINGS_DIR', ['mappings', 'dir']],
  ['LOG_LEVEL', ['log', 'level']],
  ['LOG_FORMAT', ['log', 'format']],
];

export interface LoadedConfig {
  config: BridgeConfig;
  /** Resolves a secret reference; throws ConfigError naming the key when it is missing. */
  secret(ref: SecretRef, key: string): string;
  /** Every secret value resolved so far (for log redaction). */
  secretValues(): string[];
  workerId: string;
  source: string;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of the YAML file; default BRIDGE_CONFIG or ./bridge.config.yaml (optional). */
  file?: string;
  /**
   * Called with every secret value as it is resolved, whenever that happens (the log redactor
   * registers it), so a secret resolved late (webhook secrets, the admin token) is never missed.
   */
  onSecret?: (value: string) => void;
}

function setPath(obj: Record<string, unknown>, keys: string[], value: unknown): void {
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}

function readYaml(file: string): Record<string, unknown> {
  const text = fs.readFileSync(file, 'utf8');
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `${file}: ${e.message.split('\n')[0]}`));
  }
  const value = doc.toJS() as unknown;
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([`${file}: the top level must be a mapping of keys (odoo, targets, ...)`]);
  }
  return value as Record<string, unknown>;
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const key = issue.path.map(String).join('.') || '(top level)';
  let bad: unknown = raw;
  for (const p of issue.path) bad = (bad as Record<string, unknown> | undefined)?.[p as string];
  // A literal where a secret reference belongs is the secret itself: never echo it.
  const literalSecret = issue.message === SECRET_REF_MESSAGE && bad !== null && typeof bad !== 'object';
  const shown = bad === undefined ? 'missing' : literalSecret ? 'got a literal value, not shown' : `got ${JSON.stringify(bad)}`;
  return `${key}: ${issue.message} (${shown})`;
}

function readSecretsFile(file: string | undefined): Record<string, string> {
  if (!file) return {};
  const raw = readYaml(file);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) out[k] = String(v);
  return out;
}

/** Reads, merges and validates configuration. Throws ConfigError listing every bad key. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.BRIDGE_CONFIG ?? './bridge.config.yaml';
  const explicit = Boolean(options.file ?? env.BRIDGE_CONFIG);
  let raw: Record<string, unknown> = {};
  if (fs.existsSync(file)) raw = readYaml(file);
  else if (explicit) throw new ConfigError([`BRIDGE_CONFIG: file not found: ${file}`]);

  for (const [name, keys] of ENV_OVERRIDES) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, keys, /^\d+$/.test(v) && keys[1] === 'port' ? Number(v) : v);
  }
  // The API key defaults to ODOO_API_KEY so that env-only setups need no file.
  const odoo = (raw.odoo ?? {}) as Record<string, unknown>;
  if (odoo.api_key === undefined && env.ODOO_API_KEY !== undefined) setPath(raw, ['odoo', 'api_key'], { env: 'ODOO_API_KEY' });

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => describeIssue(i, raw)));
  }
  const secrets = readSecretsFile(env.BRIDGE_SECRETS_FILE);
  const resolved = new Set<string>();
  const secret = (ref: SecretRef, key: string): string => {
    const value = 'env' in ref ? env[ref.env] : secrets[ref.secret];
    if (value === undefined || value === '') {
      const where = 'env' in ref ? `environment variable ${ref.env}` : `key '${ref.secret}' of the secrets file (BRIDGE_SECRETS_FILE)`;
      throw new ConfigError([`${key}: secret not set: ${where} is empty or missing`]);
    }
    if (value.length >= 4) resolved.add(value);
    options.onSecret?.(value);
    return value;
  };
  return {
    config: parsed.data,
    secret,
    secretValues: () => [...resolved],
    workerId: parsed.data.worker.id ?? `${os.hostname()}:${process.pid}`,
    source: fs.existsSync(file) ? file : '(environment only)',
  };
}
