import fs from 'node:fs';

/**
 * What the upgrade tier's first phase (before.test.ts, on the earlier release) leaves in the
 * database and the second phase (after.test.ts, on this release) checks: written to the file
 * UPGRADE_STATE between the two (test/harness/odoo-upgrade-tier.sh).
 */
export interface UpgradeOrder { id: number; name: string; event: number }

export interface UpgradeScenario {
  /** The release the database was made with, e.g. 18.0.1.11.0. */
  fromVersion: string;
  target: string;
  productId: number;
  sku: string;
  /** A: released and acked (link SB-UPG-A, shipped); B: nacked (failed, open exception);
   * C: claimed by a worker that died (lease expired); D: pending, never claimed. */
  orders: { A: UpgradeOrder; B: UpgradeOrder; C: UpgradeOrder; D: UpgradeOrder };
  /** The external id acked for A. */
  externalRefA: string;
  /** The sync_apply item of A's shipment, applied before the upgrade. */
  shipment: Record<string, unknown>;
  /** Milestones applied for A before the upgrade (releases with milestones: 18.0.1.3.0+). */
  milestones: string[];
  /** A's deliveries after the shipment: id and state. */
  pickingsA: Array<{ id: number; state: string }>;
}

export const TARGET = 'wms_upgrade';
export const SKU = 'UPG-WIDGET';
export const EXTERNAL_REF_A = 'SB-UPG-A';

function stateFile(): string {
  const f = process.env.UPGRADE_STATE;
  if (!f) throw new Error('UPGRADE_STATE (the file passed between the phases) is not set: run test/harness/odoo-upgrade-tier.sh');
  return f;
}

export function fromVersion(): string {
  const v = process.env.UPGRADE_FROM_VERSION;
  if (!v) throw new Error('UPGRADE_FROM_VERSION is not set: run test/harness/odoo-upgrade-tier.sh');
  return v;
}

export function saveScenario(s: UpgradeScenario): void {
  fs.writeFileSync(stateFile(), JSON.stringify(s, null, 2));
}

export function loadScenario(): UpgradeScenario {
  return JSON.parse(fs.readFileSync(stateFile(), 'utf8')) as UpgradeScenario;
}

/** -1, 0, 1 as version a is older, equal, newer than b ('18.0.1.4.0'). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** The release of sync_bridge installed in the database. */
export const MODULE_DOMAIN = [['name', '=', 'sync_bridge'], ['state', '=', 'installed']];
