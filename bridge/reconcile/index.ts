import cron from 'node-cron';
import type { BridgeConfig, ReconcileTargetConfig } from '../config/schema.js';
import { reconcileTargetSchema } from '../config/schema.js';
import { BaseConnector } from '../connectors/base-connector.js';
import type { Connector } from '../connectors/connector.js';
import type { TargetHttpClient } from '../connectors/http/http-client.js';
import { ConfigError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import type { OdooContract, ReconCounts, ReconJob } from '../odoo/contract.js';
import type { OdooGateway } from '../odoo/odoo-gateway.js';
import type { MappingRegistry } from '../runtime/mapping-registry.js';
import type { CompiledMapping } from '../mapping/index.js';
import { pollShipBobReceiving } from '../inbound/poll-receiving.js';
import { pollShipBobReturns } from '../inbound/poll-shipbob-returns.js';
import { pollWmsEvents } from '../inbound/poll-wms-events.js';
import type { PollReport } from '../inbound/pollers.js';
import { readGenericOptions } from '../connectors/generic-wms/options.js';
import { InboxStore } from '../state/inbox-store.js';
import type { DB } from '../state/state-store.js';
import { InventoryJob, type CategoryResolver, type WmsStockSource } from './inventory.js';
import { MasterDataJob, type MasterTargetSource } from './master-data.js';
import { OpenOrdersJob, type WmsOrderSource } from './open-orders.js';
import { ReconBusyError, withRun, type RunSummary } from './run.js';
import type { ReconRunOutcome } from './recon-metrics.js';
import { InboxInFlight } from './sources/inbox.js';
import { HubSpotMasterSource, ShipBobProductSource, hubspotMappingInfo, odooMapper } from './sources/master.js';
import { GenericWmsCustomerSource, GenericWmsItemSource } from './sources/generic-wms-master.js';
import { SALESFORCE_NATURAL_KEYS, SalesforceMasterSource, salesforceMappingInfo } from './sources/salesforce-master.js';
import { GenericWmsConnector } from '../connectors/generic-wms/index.js';
import { SalesforceConnector } from '../connectors/salesforce/index.js';
import { GenericWmsOrderSource, ShipBobOrderSource, inboxSink } from './sources/wms-orders.js';
import { GenericWmsStockSource, ShipBobStockSource, findInboundMapping } from './sources/wms-stock.js';

export { mergeJoin, compareKeys, UnsortedInputError, paged, sumSorted } from './merge-join.js';
export { externalSort } from './external-sort.js';
export { withRun, ReconRun, ReconBusyError, isRunning, type ReconPort, type RunSummary } from './run.js';
export { InventoryJob } from './inventory.js';
export { OpenOrdersJob } from './open-orders.js';
export { MasterDataJob } from './master-data.js';

/** CLI names of the jobs -> contract job names. */
export const JOBS: Record<string, ReconJob> = { inventory: 'inventory', 'open-orders': 'open_orders', 'master-data': 'master_data' };

export interface ReconcilerDeps {
  config: BridgeConfig;
  odoo: OdooGateway;
  contract: OdooContract;
  connectors: Map<string, Connector>;
  /** The sidecar's state file (inbox: in-flight stock, missed shipments). */
  db?: DB;
  /** Outbound mappings (master data: the payload Odoo would send, the CRM properties read). Built on first use when absent. */
  mapper?: () => MappingRegistry;
  /** The live inbound mapping of a target serving an event (stock pages); read from mappings.dir when absent. */
  inboundMapping?: (target: string, event: string) => CompiledMapping | undefined;
  workerId: string;
  log: Logger;
  /** Wakes the inbox processor after missed shipments (or polled messages) were stored. */
  onInboxStored?: () => void;
  /** Told when a generic WMS event feed read had to resync after an expired cursor (metrics). */
  onPollResync?: (source: string) => void;
  /** Told of every run that finished or failed (metrics: recon-metrics.ts). */
  onRunFinished?: (r: ReconRunOutcome) => void;
}

export interface RunRequest {
  dryRun?: boolean;
  onProgress?: (counts: ReconCounts) => void;
}

/** Builds and runs the reconciliation jobs of the configured targets; schedules them with node-cron. */
export class Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  private targetConfig(target: string): ReconcileTargetConfig {
    const t = this.deps.config.reconcile.targets[target];
    return t ?? reconcileTargetSchema.parse({});
  }

  /**
   * The target's HTTP client for batch work: every request of a run is refused with a
   * QuotaReserveError while the target's daily quota is below its reserve, which fails the run.
   */
  private http(target: string): TargetHttpClient {
    const c = this.deps.connectors.get(target);
    if (!(c instanceof BaseConnector)) throw new ConfigError([`reconcile: target '${target}' is not configured (targets.${target})`]);
    return c.http.forBatch();
  }

  private preset(target: string): string {
    const t = this.deps.config.targets[target];
    if (!t) throw new ConfigError([`reconcile: target '${target}' is not configured (targets.${target})`]);
    return t.preset;
  }

  /** Runs one job once against one target. */
  async run(job: ReconJob, target: string, req: RunRequest = {}): Promise<RunSummary> {
    const { config, contract, log } = this.deps;
    const rc = config.reconcile;
    const tc = this.targetConfig(target);
    const preset = this.preset(target);
    const opts = {
      lineBatch: rc.line_batch, sendMatched: rc.send_matched, dryRun: req.dryRun ?? false, heartbeatMs: rc.heartbeat_seconds * 1000, onProgress: req.onProgress,
    };
    const work = this.work(job, target, preset, tc);
    const http = this.http(target);
    // Below the quota reserve: the run is recorded as failed in Odoo with the reason before any
    // work; a run already going stops at its next request to the target (the same error).
    try {
      const summary = await withRun(contract, { target, job, workerId: this.deps.workerId, log }, opts, async (run) => {
        const refusal = http.quotaReserveRefusal();
        if (refusal) throw refusal;
        await work(run);
      });
      this.deps.onRunFinished?.({ target, job, outcome: 'done', discrepancies: summary.discrepancies, ms: summary.ms });
      return summary;
    } catch (err) {
      // A run refused because the job is already running (here or elsewhere) did not fail.
      if (!(err instanceof ReconBusyError)) this.deps.onRunFinished?.({ target, job, outcome: 'failed' });
      throw err;
    }
  }

  private inboundMapping(target: string, folder: string, event: string): CompiledMapping | undefined {
    return this.deps.inboundMapping ? this.deps.inboundMapping(target, event) : findInboundMapping(this.deps.config.mappings.dir, folder, event);
  }

  private work(job: ReconJob, target: string, preset: string, tc: ReconcileTargetConfig): (run: import('./run.js').ReconRun) => Promise<void> {
    const { config, contract } = this.deps;
    const rc = config.reconcile;
    const folder = config.targets[target]!.mappings ?? preset;
    if (job === 'inventory') {
      let wms: WmsStockSource;
      if (preset === 'shipbob') wms = new ShipBobStockSource(this.http(target), { pageSize: Math.min(rc.target_page_size, 250), lots: tc.inventory.lots, mapping: this.inboundMapping(target, folder, 'inventory.polled') });
      else if (preset === 'generic_wms') wms = new GenericWmsStockSource(this.http(target), { pageSize: rc.target_page_size, mapping: this.inboundMapping(target, folder, 'inventory.snapshot') });
      else throw new ConfigError([`reconcile inventory: target '${target}' (${preset}) is not a WMS`]);
      const j = new InventoryJob({
        target, wms, odooPages: (after, limit) => contract.reconOdooStock(target, after, limit),
        inFlight: this.deps.db ? new InboxInFlight(this.deps.db, target) : undefined,
        refreshInFlight: this.inFlightPolls(target, preset),
        categories: this.categoryResolver(),
      }, { level: tc.inventory.level, lots: tc.inventory.lots, locationMap: tc.inventory.location_map, tolerance: tc.inventory.tolerance, pageSize: rc.page_size, sortChunk: rc.sort_chunk, tmpDir: rc.tmp_dir });
      return (run) => j.run(run);
    }
    if (job === 'open_orders') {
      let wms: WmsOrderSource;
      if (preset === 'shipbob') wms = new ShipBobOrderSource(this.http(target));
      else if (preset === 'generic_wms') wms = new GenericWmsOrderSource(this.http(target));
      else throw new ConfigError([`reconcile open-orders: target '${target}' (${preset}) is not a WMS`]);
      const inbox = this.deps.db ? inboxSink(new InboxStore(this.deps.db), target, preset, this.deps.onInboxStored) : undefined;
      const sla = tc.open_orders.sla_hours;
      const j = new OpenOrdersJob({
        odooPages: (after, limit) => contract.reconOpenOrders(target, after, limit), wms, inbox,
        odooReceipts: (after, limit) => contract.reconOpenReceipts(target, after, limit),
      }, {
        slaHours: { acknowledge: sla.acknowledge, amend: sla.amend ?? undefined, cancel: sla.cancel ?? undefined, ship: sla.ship ?? undefined, receive: sla.receive ?? undefined },
        pageSize: Math.min(rc.page_size, 200), pushMissedShipments: tc.open_orders.push_missed_shipments,
      });
      return (run) => j.run(run);
    }
    // master data: one pass per model, in one run
    const models = tc.master_data.models ?? (preset === 'hubspot' || preset === 'salesforce' ? ['res.partner', 'product.product'] : preset === 'shipbob' || preset === 'generic_wms' ? ['product.product'] : []);
    if (models.length === 0) throw new ConfigError([`reconcile master-data: no models for target '${target}' (${preset}): set reconcile.targets.${target}.master_data.models`]);
    return async (run) => {
      const registry = this.deps.mapper?.();
      if (!registry) throw new ConfigError(['reconcile master-data needs the outbound mappings']);
      for (const model of models) {
        const job = (source: MasterTargetSource, odooNaturalKey: string | undefined, pass: { partnerKind?: 'company' | 'person'; keyScope?: string } = {}) => new MasterDataJob({
          odooPages: (after, limit) => contract.reconMaster(target, model, after, limit, odooNaturalKey, pass.partnerKind),
          target: source, mapOdoo: odooMapper(this.deps.odoo, registry, target, model),
        }, { model, pageSize: Math.min(rc.page_size, 200), sortChunk: rc.sort_chunk, tmpDir: rc.tmp_dir, keyScope: pass.keyScope });
        let source: MasterTargetSource;
        let odooNaturalKey: string | undefined = tc.master_data.odoo_natural_key[model];
        if (preset === 'hubspot') {
          const info = hubspotMappingInfo(config.mappings.dir, folder, model, registry.upsertSource(target, model));
          if (!info) throw new ConfigError([`reconcile master-data: no outbound upsert mapping for ${model} in ${folder}`]);
          // One pass per HubSpot object the mapping writes (partners: companies, then contacts).
          const split = info.objects.length > 1;
          for (const { objectType, partnerKind } of info.objects) {
            const nk = tc.master_data.natural_key_property[model] ?? (objectType === 'contacts' ? 'email' : objectType === 'products' ? 'hs_sku' : 'name');
            // Companies carry no e-mail: their natural key is the name on both sides unless configured.
            const odooNk = objectType === 'companies' && nk === 'name' ? (odooNaturalKey ?? 'name') : odooNaturalKey;
            const src = new HubSpotMasterSource(this.http(target), { ...info, objectType }, nk, Math.min(rc.target_page_size, 100));
            // Contacts keep the unscoped keys (master:res.partner:...); companies get their own.
            await job(src, odooNk, split ? { partnerKind, keyScope: objectType === 'contacts' ? undefined : objectType } : {}).run(run);
          }
          continue;
        } else if (preset === 'shipbob' && model === 'product.product') {
          source = new ShipBobProductSource(this.http(target), Math.min(rc.target_page_size, 250));
        } else if (preset === 'generic_wms') {
          source = this.genericWmsMaster(target, model);
        } else if (preset === 'salesforce') {
          const info = salesforceMappingInfo(config.mappings.dir, folder, model, registry.upsertSource(target, model));
          if (!info) throw new ConfigError([`reconcile master-data: no outbound upsert mapping for ${model} in ${folder}`]);
          const c = this.deps.connectors.get(target);
          const sfOptions = c instanceof SalesforceConnector ? c.options : undefined;
          const nk = SALESFORCE_NATURAL_KEYS[info.sobject];
          const naturalKeyField = tc.master_data.natural_key_property[model] ?? nk?.field;
          if (!naturalKeyField) throw new ConfigError([`reconcile.targets.${target}.master_data.natural_key_property.${model}: the ${info.sobject} field holding the natural key`]);
          odooNaturalKey ??= nk?.odoo;
          source = new SalesforceMasterSource(this.http(target), {
            info, naturalKeyField, externalIdField: sfOptions?.defaultExternalIdField ?? 'Odoo_Id__c', apiVersion: sfOptions?.apiVersion ?? 'v61.0',
          });
        } else {
          throw new ConfigError([`reconcile master-data: ${model} on a ${preset} target is not supported`]);
        }
        await job(source, odooNaturalKey).run(run);
      }
    };
  }

  /**
   * What the WMS completed but whose report may not have reached the inbox yet, polled once
   * before an inventory run compares (the same pollers, message ids and watermarks as the
   * scheduled polls: a message is stored once whoever sees it first); the inbox processor is
   * woken when anything new was stored. ShipBob: the receiving poll (ShipBob sends no webhook
   * for receiving; off with options.poll_receiving false) and the completed-returns poll (the
   * catch-up of lost return.completed webhooks; off with options.poll_returns false). Generic
   * WMS: one read of the event feed when the target offers it (options.events_path). Without a
   * state file nothing is polled. A failing poll fails the run: its figures would be wrong.
   */
  private inFlightPolls(target: string, preset: string): (() => Promise<Record<string, number>>) | undefined {
    const db = this.deps.db;
    const t = this.deps.config.targets[target];
    if (!db || !t) return undefined;
    const polls: Array<{ count: string; what: string; poll: (http: TargetHttpClient, store: InboxStore) => Promise<PollReport> }> = [];
    const lookbackMinutes = t.poll?.lookback_minutes;
    if (preset === 'shipbob') {
      if (t.options.poll_receiving !== false) {
        polls.push({ count: 'receipts_polled', what: 'completed receiving order(s)', poll: (http, store) => pollShipBobReceiving(target, http, store, { lookbackMinutes }) });
      }
      if (t.options.poll_returns !== false) {
        const maxAgeDays = typeof t.options.returns_max_age_days === 'number' ? t.options.returns_max_age_days : undefined;
        polls.push({ count: 'returns_polled', what: 'completed return(s)', poll: (http, store) => pollShipBobReturns(target, http, store, { lookbackMinutes, maxAgeDays }) });
      }
    } else if (preset === 'generic_wms') {
      const eventsPath = readGenericOptions(target, t.options).eventsPath;
      if (eventsPath) {
        polls.push({
          count: 'events_polled', what: 'event(s) of the event feed',
          poll: (http, store) => pollWmsEvents(target, http, store, { path: eventsPath, lookbackMinutes, log: this.deps.log, onResync: () => this.deps.onPollResync?.(target) }),
        });
      }
    }
    if (polls.length === 0) return undefined;
    const http = this.http(target);
    return async () => {
      const store = new InboxStore(db);
      const counts: Record<string, number> = {};
      for (const p of polls) {
        const r = await p.poll(http, store);
        counts[p.count] = r.stored;
        if (r.stored > 0) {
          this.deps.log.info(`reconcile inventory ${target}: ${r.stored} ${p.what} polled into the inbox before comparing`);
          this.deps.onInboxStored?.();
        }
      }
      return counts;
    };
  }

  /** Generic WMS items (product.product, by SKU) or customers (res.partner, by ref ODOO-<id>). */
  private genericWmsMaster(target: string, model: string): MasterTargetSource {
    const c = this.deps.connectors.get(target);
    if (!(c instanceof GenericWmsConnector)) throw new ConfigError([`reconcile: target '${target}' is not configured (targets.${target})`]);
    const o = c.options;
    const pageSize = Math.min(this.deps.config.reconcile.target_page_size, 500);
    const path = model === 'product.product' ? o.listPaths.items : o.listPaths.customers;
    const option = model === 'product.product' ? 'items_list_path' : 'customers_list_path';
    if (!path) throw new ConfigError([`reconcile master-data: targets.${target}.options.${option} is null: the WMS does not list ${model === 'product.product' ? 'items' : 'customers'}`]);
    return model === 'product.product'
      ? new GenericWmsItemSource(c.http.forBatch(), { path, skuField: o.skuField, pageSize })
      : new GenericWmsCustomerSource(c.http.forBatch(), { path, refField: o.customerRefField, refPrefix: o.customerRefPrefix, pageSize });
  }

  /** product.product -> category complete name, read in one call per batch. */
  private categoryResolver(): CategoryResolver {
    return async (ids) => {
      const rows = await this.deps.odoo.call<Array<{ id: number; categ_id: [number, string] | false }>>({ model: 'product.product', method: 'read', ids, params: { fields: ['categ_id'] } });
      return new Map(rows.map((r) => [r.id, r.categ_id ? r.categ_id[1] : '']));
    };
  }

  /**
   * Schedules every configured job (reconcile.targets.<code>.schedules) with node-cron. A run
   * never overlaps the previous one of the same job and target (noOverlap here, the in-process
   * guard and Odoo's lock across processes).
   */
  schedule(): { stop(): Promise<void> } {
    const tasks: Array<{ stop(): void | Promise<void> }> = [];
    for (const [target, tc] of Object.entries(this.deps.config.reconcile.targets)) {
      if (!this.deps.config.targets[target]) throw new ConfigError([`reconcile.targets.${target}: no such target in targets`]);
      for (const [job, expr] of Object.entries(tc.schedules) as Array<[ReconJob, string | undefined]>) {
        if (!expr) continue;
        tasks.push(cron.schedule(expr, () => {
          void this.run(job, target).then((s) => {
            this.deps.log.info(`reconcile ${job} ${target}: run ${s.runId} done in ${s.ms} ms, ${s.discrepancies} discrepancies`, { counts: s.counts });
          }, (err: unknown) => {
            this.deps.log.warn(`reconcile ${job} ${target} failed: ${err instanceof Error ? err.message : String(err)}`);
          });
        }, { name: `reconcile-${job}-${target}`, noOverlap: true }));
      }
    }
    return {
      async stop() {
        // A run in progress is not awaited (it can take minutes): the process exits, the run's
        // heartbeats stop and Odoo's lock lets the next run start when it expires.
        for (const t of tasks) await t.stop();
      },
    };
  }
}
