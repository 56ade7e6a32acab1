import type { TargetConfig } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import { BaseConnector, type ConnectorHooks } from '../base-connector.js';
import type { ConnectorDeps, DeliveryResult, OutboundRequest, SecretResolver } from '../connector.js';
import { unsupported } from '../payload.js';
import { amendOrder } from './amend.js';
import { cancelOrder } from './cancel.js';
import { readShipBobOptions, type ShipBobContext, type ShipBobOptions } from './context.js';
import { shipBobErrorExtractor } from './errors.js';
import { parseShipBobQuota } from './quota.js';
import { upsertProduct } from './product.js';
import { releaseOrder } from './release.js';
import { amendReceivingOrder, cancelReceivingOrder, createReceivingOrder } from './receiving.js';

export * as shipbobReads from './reads.js';
export { amendReference } from './amend.js';

/**
 * ShipBob API 2026-01 (base_url e.g. https://api.shipbob.com/2026-01/). Orders: release ->
 * POST /order (deduplicated by reference_id), amend -> conflict or cancel+re-create, cancel ->
 * POST /order/{id}:cancel. Products: lookup by SKU then POST or PATCH. No idempotency header.
 */
export class ShipBobConnector extends BaseConnector {
  readonly preset = 'shipbob';
  readonly options: ShipBobOptions;

  constructor(code: string, target: TargetConfig, secret: SecretResolver, deps: ConnectorDeps & ConnectorHooks = {}) {
    super(code, target, secret, deps, { extractError: shipBobErrorExtractor, quotaHeaders: parseShipBobQuota });
    this.options = readShipBobOptions(target.options ?? {});
  }

  async deliver(req: OutboundRequest, log: Logger): Promise<DeliveryResult> {
    const ctx: ShipBobContext = { req, log, call: this.caller(req, log), options: this.options };
    if (req.kind === 'order_cancel' || (req.kind === 'order' && req.eventType === 'cancel')) return cancelOrder(ctx);
    if (req.kind === 'order') {
      if (req.eventType === 'amend') return amendOrder(ctx);
      if (req.eventType === 'release' || req.eventType === 'upsert') return releaseOrder(ctx);
    }
    if (req.kind === 'product' && req.eventType !== 'cancel') return upsertProduct(ctx);
    if (req.kind === 'receipt' && req.eventType === 'asn_amend') return amendReceivingOrder(ctx);
    if (req.kind === 'receipt' && req.eventType !== 'cancel') return createReceivingOrder(ctx);
    if (req.kind === 'receipt_cancel') return cancelReceivingOrder(ctx);
    throw unsupported(this.preset, req);
  }
}
