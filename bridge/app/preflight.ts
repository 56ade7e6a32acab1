import type { BridgeConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { OdooContract, type ContractInfo } from '../odoo/contract.js';
import type { OdooGateway } from '../odoo/odoo-gateway.js';
import { OdooAuthError, OdooUnavailableError } from '../odoo/odoo-errors.js';
import { PermanentError } from '../errors/index.js';
import { sidecarVersion } from '../version.js';

/**
 * Fails fast, with one clear sentence, when Odoo is unreachable, refuses the service user, or
 * lacks the sync_bridge addon; warns about targets configured on one side only.
 */
export async function preflight(odoo: OdooGateway, config: BridgeConfig, log: Logger): Promise<ContractInfo> {
  let version: string;
  try {
    version = await odoo.serverVersion();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new OdooUnavailableError(`Odoo is unreachable at ${config.odoo.url} (${why}); check ODOO_URL / odoo.url and that Odoo is running`);
  }
  try {
    await odoo.connect();
  } catch (err) {
    if (err instanceof OdooAuthError) throw err;
    throw new PermanentError(`cannot log in to Odoo ${config.odoo.url} database '${config.odoo.db}' as '${config.odoo.username}': ${err instanceof Error ? err.message : String(err)}`, { cause: err, category: 'internal' });
  }
  const info = await new OdooContract(odoo).info(config.odoo.db);
  const inOdoo = new Set(info.targets.filter((t) => t.active).map((t) => t.code));
  for (const code of Object.keys(config.targets)) {
    if (!inOdoo.has(code)) log.warn(`target '${code}' is configured here but not active in Odoo (Integration > Configuration > Targets)`, { target: code });
  }
  for (const code of inOdoo) {
    if (!(code in config.targets)) log.warn(`target '${code}' is active in Odoo but not configured in the sidecar: its events wait`, { target: code });
  }
  log.info('connected to Odoo', { odooVersion: version, protocol: odoo.protocol, addon: info.module_version, sidecar: sidecarVersion(), targets: [...inOdoo] });
  return info;
}
