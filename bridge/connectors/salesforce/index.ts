import type { TargetConfig } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import { BaseConnector, type ConnectorHooks } from '../base-connector.js';
import type { ConnectorDeps, DeliveryResult, OutboundRequest, SecretResolver } from '../connector.js';
import { upsertCollection } from './collections.js';
import { readSalesforceOptions, type SalesforceContext, type SalesforceOptions } from './context.js';
import { salesforceErrorExtractor } from './errors.js';
import { parseSalesforceQuota } from './quota.js';
import { upsertByExternalId } from './upsert.js';

export * as salesforceReads from './reads.js';

/**
 * Salesforce REST (v61.0). Every kind is an upsert by external id into the SObject mapped
 * from the kind (options.sobjects); `{records: [...]}` payloads use sObject Collections.
 * Requests go to the origin of base_url (paths carry /services/data/<version>/).
 */
export class SalesforceConnector extends BaseConnector {
  readonly preset = 'salesforce';
  readonly options: SalesforceOptions;

  constructor(code: string, target: TargetConfig, secret: SecretResolver, deps: ConnectorDeps & ConnectorHooks = {}) {
    const options = readSalesforceOptions(target.base_url, target.options ?? {});
    super(code, target, secret, deps, { extractError: salesforceErrorExtractor(options.requestLimitRetryMs), baseUrl: new URL(target.base_url).origin, quotaHeaders: parseSalesforceQuota });
    this.options = options;
  }

  async deliver(req: OutboundRequest, log: Logger): Promise<DeliveryResult> {
    const ctx: SalesforceContext = { req, log, call: this.caller(req, log), options: this.options };
    if (Array.isArray(req.payload.records)) return upsertCollection(ctx);
    return upsertByExternalId(ctx);
  }
}

