import type { AddressInfo } from 'node:net';
import type { AppContext } from './context.js';
import { preflight } from './preflight.js';
import { versionsReport } from './versions-report.js';
import { SignalWatch } from './signal-watch.js';
import { checkMappingFields, mappingFieldProblems } from './check-mapping-fields.js';
import { OdooContract } from '../odoo/contract.js';
import { openStateStore } from '../state/state-store.js';
import { WritebackQueue } from '../state/writeback-queue.js';
import { MappingStore } from '../state/mapping-store.js';
import { DeliveryLog } from '../state/delivery-log.js';
import { BridgeMetrics } from '../runtime/metrics.js';
import { OdooQueueGauges } from '../runtime/odoo-queue-gauges.js';
import { Worker } from '../runtime/worker.js';
import { createServer } from '../server/create-server.js';
import { createTargetConnectors, restoreQuota } from './connectors.js';
import { QuotaRecorder, QuotaStore } from '../state/quota-store.js';
import { quotaReport } from './quota-report.js';
import { odooLinkSource } from '../runtime/mapping-registry.js';
import { Inbound, inboundClientOf } from '../inbound/index.js';
import { LiveMappings, loadMappingSet } from './live-mappings.js';
import { MappingMetrics, MappingReloader } from './mapping-reload.js';
import { mappingSetReport } from './mapping-report.js';
import { mappingReloadRouter } from '../server/mapping-reload-route.js';
import { Reconciler } from '../reconcile/index.js';
import { ReconMetrics } from '../reconcile/recon-metrics.js';
import { checkTargetSchemasAtStart } from './target-schema-at-start.js';
import type { AtpRow } from '../runtime/atp-enrich.js';
import { sidecarVersion } from '../version.js';
import { acquireStateLock } from '../state/state-lock.js';
import { ScheduledBackup } from '../state/scheduled-backup.js';
import { ContactReporter } from '../runtime/contact-reporter.js';

/**
 * `sync-bridge start`: the one place where the sidecar is wired together. Fails fast on a bad
 * Odoo (preflight) or bad mappings, then runs until SIGTERM/SIGINT; SIGHUP reloads the mappings.
 */
export async function runStart(ctx: AppContext, signals: SignalWatch = new SignalWatch()): Promise<number> {
  const { config } = ctx.loaded;
  const { log } = ctx;
  const addonInfo = await preflight(ctx.odoo, config, log);
  const versions = versionsReport(config, ctx.odoo.protocol, await ctx.odoo.serverVersion(), addonInfo);
  // Odoo-aware mapping steps (uom) read and compute per series (18: categories, 19: unit trees).
  const odooSeries = versions.odoo.series;
  // Secrets reach the log redactor as they are resolved (createContext's onSecret), here and below.
  const metrics = new BridgeMetrics();
  metrics.setBuildInfo(versions);
  // Quota observations reach the state file once it is open (below), throttled (QuotaRecorder).
  const quota = new QuotaRecorder();
  const connectors = createTargetConnectors(config.targets, (ref, key) => ctx.loaded.secret(ref, key), metrics, { log, onQuota: quota.record });
  // The mapping set (outbound, ATP enrichment, inbound), loaded here and again on each reload.
  const loadMappings = () => loadMappingSet({
    dir: config.mappings.dir, targets: config.targets,
    links: odooLinkSource((model, method, params) => ctx.odoo.call({ model, method, params })),
    // atp events (issue 8): figures read with sync_atp at delivery time, given to the mapping as $meta.atp.
    atp: (target, ids) => ctx.odoo.call<AtpRow[]>({ model: 'sync.event', method: 'sync_atp', params: { target, product_ids: ids } }),
    clientOf: inboundClientOf(connectors),
    compile: { odooSeries },
  });
  const live = new LiveMappings(loadMappings());
  await checkMappingFields(ctx.odoo, live.registry().specsByFile());
  // One running sidecar per state file (bridge/state/state-lock.ts); freed on stop or exit.
  const lock = config.state.path === ':memory:' ? undefined : acquireStateLock(config.state.path, {
    onLost: (by) => {
      log.error(`state file lock taken over by ${by ? `pid ${by.pid} on ${by.host}` : 'another sidecar'}: stopping, two sidecars must not share ${config.state.path}`);
      process.kill(process.pid, 'SIGTERM');
    },
  });
  if (lock) process.once('exit', () => lock.release());
  if (lock?.tookOverFrom) log.warn(`state file lock taken over from a sidecar that is gone (pid ${lock.tookOverFrom.pid} on ${lock.tookOverFrom.host})`, { lock: lock.file });
  const db = openStateStore(config.state.path);
  const mappingStore = new MappingStore(db);
  live.registry().useStore(mappingStore); // every loaded mapping version, for replays pinned to the one sent
  live.current().inbound.useStore(mappingStore); // and the inbound ones: the old side of `mappings diff` on inbox messages
  const reloader = new MappingReloader({
    live, load: loadMappings, log,
    checkFields: (specs) => mappingFieldProblems(ctx.odoo, specs),
    remember: (set) => { set.registry.useStore(mappingStore); set.inbound.useStore(mappingStore); },
    metrics: new MappingMetrics(metrics.registry),
  });
  const writeback = new WritebackQueue(db);
  const quotaStore = new QuotaStore(db);
  restoreQuota(connectors.values(), quotaStore);
  quota.attach(quotaStore);
  metrics.trackCircuits(() => connectors.values());
  metrics.trackQuota(() => connectors.values());
  const contract = new OdooContract(ctx.odoo);
  // Odoo's own queue figures on /metrics (read at scrape time, cached 30 s).
  new OdooQueueGauges(metrics.registry, () => contract.statusSummary(), { log });
  const worker = new Worker({
    workerId: ctx.loaded.workerId, batchSize: config.worker.batch_size, leaseSeconds: config.worker.lease_seconds,
    concurrency: config.worker.concurrency, pollMinMs: config.worker.poll_min_ms, pollMaxMs: config.worker.poll_max_ms,
    retentionDays: config.state.retention_days,
  }, contract, connectors, writeback, {
    // Each claim takes the live mapping set's snapshot (a reload applies from the next claim on).
    mapper: live,
    connectors, writeback, metrics, redactor: ctx.redactor, log,
    deliveryLog: new DeliveryLog(db, { payloads: config.state.log_payloads }),
    retry: { maxAttempts: config.worker.max_attempts, baseMs: config.worker.backoff_base_ms, maxMs: config.worker.backoff_max_ms },
  }, metrics, log);

  // Inbound (issue 6): webhooks + polls -> SQLite inbox -> inbound mappings -> sync_apply.
  const inbound = new Inbound({
    config, secret: (ref, key) => ctx.loaded.secret(ref, key), connectors, db, metrics, log,
    sink: { apply: (items) => contract.apply(items) }, preparer: live.preparer,
  });

  const adminToken = config.server.admin_token ? ctx.loaded.secret(config.server.admin_token, 'server.admin_token') : undefined;
  const app = createServer({
    metrics, adminToken,
    mount: (expressApp, requireAdmin) => {
      inbound.mount(expressApp, requireAdmin);
      expressApp.use(mappingReloadRouter(reloader, requireAdmin));
    },
    readiness: {
      check: async () => {
        const targets: Record<string, string> = {};
        for (const c of connectors.values()) targets[c.code] = c.circuitState();
        const odooOk = worker.lastError === undefined && writeback.backlog() < 10_000;
        return {
          ready: odooOk, odoo: worker.lastError ?? 'ok', versions, mappings: `${live.count()} loaded, ${live.preparer.count()} inbound`,
          mapping_set: mappingSetReport(live, reloader.last), targets, inbox: inbound.status(), quota: quotaReport(connectors.values()),
        };
      },
    },
  });
  const server = app.listen(config.server.port, config.server.host);
  await new Promise<void>((resolve, reject) => { server.once('listening', resolve); server.once('error', reject); });
  log.info('sidecar started', { version: sidecarVersion(), worker: ctx.loaded.workerId, port: (server.address() as AddressInfo).port, targets: [...connectors.keys()], state: config.state.path });
  worker.start();
  inbound.start();
  // What this sidecar sees of each target, for Odoo's users (sync_contact).
  const contact = new ContactReporter(contract, [...connectors.values()], ctx.loaded.workerId, config.worker.contact_interval_ms, log, sidecarVersion()).start();
  // The CRMs' custom properties / fields the mappings write, checked in the background.
  void checkTargetSchemasAtStart({ config, secret: (ref, key) => ctx.loaded.secret(ref, key), log }, metrics.registry);
  // Reconciliation (issue 7): cron-scheduled jobs per target (reconcile.targets.<code>.schedules).
  const reconcile = new Reconciler({
    config, odoo: ctx.odoo, contract, connectors, db, workerId: ctx.loaded.workerId, log,
    // the live mapping set: a reload applies to the next run
    mapper: () => live.registry(), inboundMapping: (target, event) => live.current().inbound.mapping(target, event),
    onInboxStored: () => inbound.processor.poke(),
    onPollResync: inbound.onPollResync,
    onRunFinished: new ReconMetrics(metrics.registry).observe,
  }).schedule();
  // Backups of the state file on a schedule (state.backup), when configured.
  const backups = config.state.backup ? new ScheduledBackup(config.state.path, config.state.backup, log, metrics.registry).start() : undefined;

  return new Promise<number>((resolve) => {
    let stopping = false;
    // SIGHUP: reload the mappings (all or nothing; the outcome is logged and counted).
    // Still caught while stopping (ignored then): its default action would end the process mid-grace.
    signals.onReload(() => {
      if (stopping) { log.warn('SIGHUP while stopping: mappings not reloaded'); return; }
      reloader.reload('sighup').catch((err: unknown) => { log.error(`mappings reload failed: ${String(err)}`); });
    });
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: stopping (no new claims, finishing in-flight work)`);
      Promise.all([worker.stop(config.worker.shutdown_grace_ms), inbound.stop(), reconcile.stop(), backups?.stop(), contact.stop()]).then(() => {
        server.close();
        quota.flush();
        db.close();
        lock?.release();
        log.info('stopped cleanly');
        resolve(0);
      }, (err: unknown) => {
        log.error(`shutdown error: ${String(err)}`);
        resolve(1);
      });
    };
    signals.onSignal(stop);
  });
}
