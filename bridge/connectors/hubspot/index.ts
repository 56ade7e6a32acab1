import type { TargetConfig } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import { BaseConnector, type ConnectorHooks } from '../base-connector.js';
import type { ConnectorDeps, DeliveryResult, OutboundRequest, SecretResolver } from '../connector.js';
import { unsupported } from '../payload.js';
import { readHubSpotOptions, type HubSpotContext, type HubSpotOptions } from './context.js';
import { upsertCustomer } from './customer.js';
import { hubSpotErrorExtractor } from './errors.js';
import { upsertOrder } from './order.js';
import { updateOrderStatus } from './order-status.js';
import { upsertProduct } from './product.js';
import { OwnerDirectory } from './owners.js';
import { parseHubSpotQuota } from './quota.js';

export * as hubspotReads from './reads.js';
export { batchUpsert, partialFailure, type UpsertInput, type UpsertOutcome } from './batch-upsert.js';
export { OwnerDirectory } from './owners.js';

/** HubSpot CRM v3 (base_url https://api.hubapi.com). Writes are upserts by a unique property. */
export class HubSpotConnector extends BaseConnector {
  readonly preset = 'hubspot';
  readonly options: HubSpotOptions;
  readonly owners: OwnerDirectory;

  constructor(code: string, target: TargetConfig, secret: SecretResolver, deps: ConnectorDeps & ConnectorHooks = {}) {
    const options = readHubSpotOptions(target.options ?? {});
    super(code, target, secret, deps, { extractError: hubSpotErrorExtractor(options.dailyLimitRetryMs), quotaHeaders: parseHubSpotQuota });
    this.options = options;
    this.owners = new OwnerDirectory(this.options.ownerCacheTtlMs, this.deps.now);
  }

  async deliver(req: OutboundRequest, log: Logger): Promise<DeliveryResult> {
    const ctx: HubSpotContext = { req, log, call: this.caller(req, log), options: this.options, owners: this.owners };
    if (req.eventType === 'cancel' && req.kind !== 'order_status') throw unsupported(this.preset, req);
    switch (req.kind) {
      case 'customer':
        return upsertCustomer(ctx);
      case 'product':
        return upsertProduct(ctx);
      case 'order':
        return upsertOrder(ctx);
      case 'order_status':
        return updateOrderStatus(ctx);
      default:
        throw unsupported(this.preset, req);
    }
  }
}
