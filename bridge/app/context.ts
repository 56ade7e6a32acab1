import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import { createLogger, type Logger } from '../log/logger.js';
import { Redactor } from '../log/redact.js';
import { createGateway } from '../odoo/create-gateway.js';
import type { OdooGateway } from '../odoo/odoo-gateway.js';

/** What every command needs: validated config, a redacting logger, an Odoo gateway. */
export interface AppContext {
  loaded: LoadedConfig;
  log: Logger;
  redactor: Redactor;
  odoo: OdooGateway;
}

export function createContext(options: { configFile?: string; env?: NodeJS.ProcessEnv } = {}): AppContext {
  // Every secret is registered with the redactor when it is resolved (connectors, webhook
  // secrets and webhook_secret_previous, the admin token), not only those resolved before a point.
  const redactor = new Redactor();
  const loaded = loadConfig({ file: options.configFile, env: options.env, onSecret: (v) => redactor.add(v) });
  const { config } = loaded;
  const apiKey = loaded.secret(config.odoo.api_key, 'odoo.api_key');
  const log = createLogger({ level: config.log.level, format: config.log.format, redactor });
  const odoo = createGateway(config.odoo.protocol, {
    url: config.odoo.url, db: config.odoo.db, username: config.odoo.username, apiKey, timeoutMs: config.odoo.timeout_ms,
  });
  return { loaded, log, redactor, odoo };
}
