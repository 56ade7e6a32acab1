import type { BridgeConfig } from '../config/schema.js';
import { addonVersionProblem, CONTRACT_VERSION, MIN_ADDON_RELEASE, OdooContract, type ContractInfo } from '../odoo/contract.js';
import type { OdooGateway } from '../odoo/odoo-gateway.js';
import { odooSeriesOf } from '../odoo/server-version.js';
import { sidecarVersion } from '../version.js';

/**
 * What runs on each side: the sidecar, the Odoo it talks to (version, protocol) and the addon in
 * that Odoo. Shown by `sync-bridge status`, on /readyz (as seen at start) and as
 * `sync_bridge_build_info` on /metrics.
 */
export interface VersionsReport {
  sidecar: string;
  /** The contract version this sidecar speaks, and the oldest addon release it works with. */
  contract: string;
  needs_addon_release: string;
  odoo: { url: string; db: string; protocol: 'xmlrpc' | 'json2'; server_version: string; series: number };
  addon: { module_version: string; contract_version: string };
  /** Why this sidecar cannot work with that addon (the contract or the release), when it cannot. */
  problem?: string;
}

/** The report, from Odoo's version and the addon's contract info (sync_contract_info). */
export function versionsReport(config: BridgeConfig, protocol: 'xmlrpc' | 'json2', serverVersion: string, info: Pick<ContractInfo, 'module_version' | 'contract_version'>): VersionsReport {
  const contract = String(info.contract_version);
  const problem = contract !== CONTRACT_VERSION
    ? `sync_bridge contract version ${contract} in Odoo, this sidecar speaks ${CONTRACT_VERSION}: upgrade the addon or the sidecar`
    : addonVersionProblem(info.module_version);
  return {
    sidecar: sidecarVersion(),
    contract: CONTRACT_VERSION,
    needs_addon_release: MIN_ADDON_RELEASE,
    odoo: { url: config.odoo.url, db: config.odoo.db, protocol, server_version: serverVersion, series: odooSeriesOf(serverVersion) },
    addon: { module_version: String(info.module_version), contract_version: contract },
    ...(problem ? { problem } : {}),
  };
}

/** Asks Odoo (version_info and sync_contract_info, unchecked: a mismatch is reported, not thrown). */
export async function readVersions(odoo: OdooGateway, config: BridgeConfig): Promise<VersionsReport> {
  const [server, info] = await Promise.all([
    odoo.serverVersion(),
    new OdooContract(odoo).rawInfo(),
  ]);
  return versionsReport(config, odoo.protocol, server, info);
}

/** Two lines for people: the sidecar and what it needs, then Odoo and its addon (and a third naming a problem). */
export function formatVersions(r: VersionsReport): string {
  const lines = [
    `sidecar ${r.sidecar} (Odoo contract ${r.contract}, needs addon release ${r.needs_addon_release} or newer)`,
    `Odoo ${r.odoo.server_version} at ${r.odoo.url}, database ${r.odoo.db}, over ${r.odoo.protocol}; addon sync_bridge ${r.addon.module_version} (contract ${r.addon.contract_version})`,
  ];
  if (r.problem) lines.push(`PROBLEM: ${r.problem}`);
  return `${lines.join('\n')}\n`;
}
