import type { TargetConfig } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import { BaseConnector, type ConnectorHooks } from '../base-connector.js';
import type { ConnectorDeps, DeliveryResult, OutboundRequest, SecretResolver } from '../connector.js';
import { unsupported } from '../payload.js';
import { cancelOrder } from './cancel.js';
import { writeCustomer } from './customer.js';
import { genericWmsErrorExtractor } from './errors.js';
import { writeItem } from './item.js';
import { readGenericOptions, type GenericWmsOptions } from './options.js';
import { writeOrder } from './order.js';
import { parseGenericWmsQuota } from './quota.js';
import { writeStatus } from './status.js';
import { cancelReceipt, writeReceipt } from './receipt.js';

/** A REST WMS described entirely by target.options (see docs/connectors.md). */
export class GenericWmsConnector extends BaseConnector {
  readonly preset = 'generic_wms';
  readonly options: GenericWmsOptions;

  constructor(code: string, target: TargetConfig, secret: SecretResolver, deps: ConnectorDeps & ConnectorHooks = {}) {
    const options = readGenericOptions(code, target.options ?? {});
    super(code, target, secret, deps, { extractError: genericWmsErrorExtractor, idempotencyHeader: options.idempotencyHeader || undefined, quotaHeaders: parseGenericWmsQuota });
    this.options = options;
  }

  async deliver(req: OutboundRequest, log: Logger): Promise<DeliveryResult> {
    const ctx = { req, log, call: this.caller(req, log), options: this.options };
    if (req.kind === 'order_cancel' || (req.kind === 'order' && req.eventType === 'cancel')) return cancelOrder(ctx);
    switch (req.kind) {
      case 'order':
        return writeOrder(ctx);
      case 'product':
        return writeItem(ctx);
      case 'customer':
        return writeCustomer(ctx);
      case 'order_status':
        return writeStatus(ctx);
      case 'receipt':
        return writeReceipt(ctx);
      case 'receipt_cancel':
        return cancelReceipt(ctx);
      default:
        throw unsupported(this.preset, req);
    }
  }
}
