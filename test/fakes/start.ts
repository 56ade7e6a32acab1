import type { FakeKind } from './common/fake-base.js';
import { startGenericWmsFake, type GenericWmsFake, type GenericWmsFakeOptions } from './generic-wms/index.js';
import { startHubSpotFake, type HubSpotFake, type HubSpotFakeOptions } from './hubspot/index.js';
import { startSalesforceFake, type SalesforceFake, type SalesforceFakeOptions } from './salesforce/index.js';
import { startShipBobFake, type ShipBobFake, type ShipBobFakeOptions } from './shipbob/index.js';

export type { FakeKind } from './common/fake-base.js';
export type { BaseFake, BaseFakeOptions } from './common/fake-base.js';
export type { Ledger, LedgerEffect, LedgerRequest } from './common/ledger.js';
export type { FaultInjector, FaultState } from './common/faults.js';
export type { WebhookDelivery } from './common/webhooks.js';
export type { ShipBobFake, ShipBobFakeOptions, HubSpotFake, HubSpotFakeOptions, SalesforceFake, SalesforceFakeOptions, GenericWmsFake, GenericWmsFakeOptions };

export interface FakeMap {
  shipbob: [ShipBobFakeOptions, ShipBobFake];
  hubspot: [HubSpotFakeOptions, HubSpotFake];
  salesforce: [SalesforceFakeOptions, SalesforceFake];
  'generic-wms': [GenericWmsFakeOptions, GenericWmsFake];
}

export const FAKE_KINDS: FakeKind[] = ['shipbob', 'hubspot', 'salesforce', 'generic-wms'];

/**
 * Starts a vendor fake on 127.0.0.1 (port 0 = any free port unless `port` is given).
 * Returns {url, baseUrl, port, controlUrl, ledger, faults, clock, webhooks, reset(), close(), ...vendor extras}.
 */
export async function startFake<K extends FakeKind>(kind: K, options: FakeMap[K][0] = {} as FakeMap[K][0]): Promise<FakeMap[K][1]> {
  switch (kind) {
    case 'shipbob':
      return (await startShipBobFake(options as ShipBobFakeOptions)) as FakeMap[K][1];
    case 'hubspot':
      return (await startHubSpotFake(options as HubSpotFakeOptions)) as FakeMap[K][1];
    case 'salesforce':
      return (await startSalesforceFake(options as SalesforceFakeOptions)) as FakeMap[K][1];
    case 'generic-wms':
      return (await startGenericWmsFake(options as GenericWmsFakeOptions)) as FakeMap[K][1];
    default:
      throw new Error(`unknown fake kind: ${String(kind)}`);
  }
}

export { startShipBobFake, startHubSpotFake, startSalesforceFake, startGenericWmsFake };
