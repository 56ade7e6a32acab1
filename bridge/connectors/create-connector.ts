import type { TargetConfig } from '../config/schema.js';
import type { ConnectorHooks } from './base-connector.js';
import type { Connector, ConnectorDeps, SecretResolver } from './connector.js';
import { GenericWmsConnector } from './generic-wms/index.js';
import { HubSpotConnector } from './hubspot/index.js';
import { SalesforceConnector } from './salesforce/index.js';
import { ShipBobConnector } from './shipbob/index.js';

/**
 * The connector of one configured target. Secrets are resolved here (a missing one throws
 * ConfigError at start). `deps` injects a clock, fetch and sleep (tests) and metric hooks.
 */
export function createConnector(code: string, target: TargetConfig, secret: SecretResolver, deps: ConnectorDeps & ConnectorHooks = {}): Connector {
  switch (target.preset) {
    case 'shipbob':
      return new ShipBobConnector(code, target, secret, deps);
    case 'generic_wms':
      return new GenericWmsConnector(code, target, secret, deps);
    case 'hubspot':
      return new HubSpotConnector(code, target, secret, deps);
    case 'salesforce':
      return new SalesforceConnector(code, target, secret, deps);
  }
}
