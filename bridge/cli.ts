#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { BridgeError, ConfigError } from './errors/index.js';
import { SignalWatch } from './app/signal-watch.js';

// Commands load their modules on demand: `start` watches signals before anything heavy loads.
const context = async (configFile: string | undefined) => (await import('./app/context.js')).createContext({ configFile });

/**
 * sync-bridge: one binary, subcommands.
 *   start                          run the sidecar (poll, deliver, write back, webhooks, crons)
 *   status [--json]                versions (sidecar, Odoo, addon); per target: pending, failed, dead, oldest pending age; last API quota
 *   check-odoo                     connect, check the addon, print what Odoo offers, exit
 *   check-targets [--target T]     credentials of each target; CRM properties/fields the mappings write
 *   events list|replay|resend      the dead-letter view, replay and resend (events live in Odoo)
 *   inbox list|replay|discard      inbound messages in the local inbox; replay or discard rejected ones
 *   state info|compact|backup|restore   the local state file's size; give free space back to
 *                                  the disk; copy it while running; put a copy back
 *   support-bundle [--out F]       one JSON file for a support request (versions, config refs, queue, failures; no secrets or payloads)
 *   reconcile <job> --target T     run one reconciliation now (inventory|open-orders|master-data)
 *   mappings check [dir]           validate every mapping file (exit 1 on any error)
 *   mappings preview <file> --input <json> | --record <model>:<id> [--target T]
 *   mappings diff <file> [--against <old>] --record ... | --recent N | --input ...
 *                                  what an edit changes in real payloads, before it goes live
 *   mappings reload [--url U]      make the running sidecar reload its mappings (admin endpoint)
 * Global option: --config <file> (else BRIDGE_CONFIG, else ./bridge.config.yaml).
 */
const USAGE = `usage: sync-bridge <command> [options]
  start                 run the bridge against the Odoo named by ODOO_URL/ODOO_DB/... or the config file
  status [--json]       show the versions (sidecar, Odoo, addon), per-target queue figures from Odoo
                        and the last API quota (state file)
  check-odoo            check connection, credentials and the sync_bridge addon, then exit
  check-targets [--target T]   check each target's credentials and that the CRM has the custom
                        properties/fields (unique ids, dropdown options) its mappings write
                        (exit 0 all well, 1 problems, 2 credentials refused, 3 unreachable)
  events list [--state S] [--target T] [--model M] [--limit N]
  events list --local [--outcome sent|retry|failed|dead] [--target T] [--limit N]   (this sidecar's attempts)
  events replay (--id N ... | --state failed|dead [--target T]) [--mapping-version current|sent]   (run as a Sync manager)
  events resend --id N ...   send delivered (done) events again, looked up at the target first   (run as a Sync manager)
  inbox list [--state pending|applied|duplicate|exception|rejected] [--source T] [--limit N]
  inbox replay (--id N ... | --state rejected [--source T] [--limit N])   (local state file)
  inbox discard --id N ... --reason "<why>"   (give up on rejected messages; purged after the retention)
  support-bundle [--out <file.json>]   versions, config (secret references only), Odoo queue, state file,
                        latest failures and rejections, mappings, quota, /readyz: one file to attach to a
                        support request (secrets scrubbed; no payloads or message bodies)
  state info            the state file's size, free space and rows per table
  state compact         give the state file's free space back to the disk (sidecar stopped)
  state backup (--out <file> | --dir <folder> [--keep N])   a consistent copy while the sidecar
                        runs, checked, mode 0600 (--dir: state-<UTC time>.sqlite, the newest N kept, default 7)
  state restore --from <file>   put a backup in place of the state file (sidecar stopped; the
                        current file is moved aside)
  reconcile <inventory|open-orders|master-data> --target T [--dry-run]
                        reconcile once now (exit 0 clean, 1 discrepancies, 2+ errors)
  mappings check [dir]  validate mapping files
  mappings preview <mapping> (--input <file.json> | --record <model>:<id>) [--target T]
  mappings diff <mapping> [--against <old.yaml>|<version>] (--record <model>:<id>... | --recent N | --input <file.json>...) [--target T]
                        map the same records with the version the sidecar loaded and with the
                        edited file, print what changes (exit 1 when the edit fails a record)
  mappings reload [--url http://host:port]   the running sidecar reloads its mappings, all or
                        nothing (exit 0 reloaded, 1 refused: problems listed, 3 not done); same as SIGHUP
options: --config <file>   --help   --version`;

type Command = (argv: string[], configFile: string | undefined) => Promise<number>;

const commands: Record<string, Command> = {
  start: async (_argv, configFile) => {
    const signals = new SignalWatch();
    const { runStart } = await import('./app/start.js');
    const code = await runStart(await context(configFile), signals);
    // Stopped: outcomes are flushed and deliveries still running after the grace were given
    // back to Odoo in doubt. Their sockets must not keep the process alive: exit once the log
    // lines already written have drained.
    await new Promise<void>((resolve) => { process.stdout.write('', () => resolve()); });
    process.exit(code);
  },
  status: async (argv, configFile) => (await import('./cli/status.js')).runStatus(await context(configFile), process.stdout, argv),
  'check-odoo': async (_argv, configFile) => {
    const ctx = await context(configFile);
    const { preflight } = await import('./app/preflight.js');
    const info = await preflight(ctx.odoo, ctx.loaded.config, ctx.log);
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    return 0;
  },
  'check-targets': async (argv, configFile) => {
    // No Odoo needed: the config, the targets' secrets and a quiet logger.
    const [{ loadConfig }, { createLogger }, { Redactor }, { runCheckTargets }] = await Promise.all([
      import('./config/load-config.js'), import('./log/logger.js'), import('./log/redact.js'), import('./cli/check-targets.js'),
    ]);
    const redactor = new Redactor();
    const loaded = loadConfig({ file: configFile, onSecret: (v) => redactor.add(v) });
    const log = createLogger({ level: 'error', format: loaded.config.log.format, redactor });
    return runCheckTargets({ config: loaded.config, secret: (ref, key) => loaded.secret(ref, key), log }, argv, process.stdout, process.stderr);
  },
  'support-bundle': async (argv, configFile) => (await import('./cli/support-bundle.js')).runSupportBundle(await context(configFile), argv, process.stdout),
  events: async (argv, configFile) => (await import('./cli/events.js')).runEventsCommand(await context(configFile), argv, process.stdout),
  inbox: async (argv, configFile) => (await import('./cli/inbox.js')).runInboxCommand(await context(configFile), argv, process.stdout),
  state: async (argv, configFile) => (await import('./cli/state.js')).runStateCommand(await context(configFile), argv, process.stdout),
  reconcile: async (argv, configFile) => {
    const { runReconcileCommand } = await import('./cli/reconcile.js');
    return runReconcileCommand(await context(configFile), argv, process.stdout, process.stderr);
  },
  mappings: async (argv, configFile) => {
    const { runMappingsCommand } = await import('./cli/mappings.js');
    return runMappingsCommand(argv, configFile);
  },
};

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    allowPositionals: true,
    strict: false,
  });
  const [name] = positionals;
  if (values.version && !name) {
    const [{ sidecarVersion }, { CONTRACT_VERSION, MIN_ADDON_RELEASE }] = await Promise.all([import('./version.js'), import('./odoo/contract.js')]);
    process.stdout.write(`sync-bridge ${sidecarVersion()} (Odoo contract ${CONTRACT_VERSION}, addon sync_bridge <series>.${MIN_ADDON_RELEASE} or newer)\n`);
    return 0;
  }
  if (values.help || !name) {
    process.stdout.write(`${USAGE}\n`);
    return name || values.help ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`unknown command '${name}'\n${USAGE}\n`);
    return 2;
  }
  const configFile = typeof values.config === 'string' ? values.config : undefined;
  return command(process.argv.slice(3).filter((a, i, all) => a !== '--config' && all[i - 1] !== '--config'), configFile);
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`sync-bridge: ${err.message}\n`);
    process.exitCode = 78; // EX_CONFIG
  } else if (err instanceof BridgeError) {
    process.stderr.write(`sync-bridge: ${err.message}\n`);
    process.exitCode = err.retryable ? 69 : 1; // EX_UNAVAILABLE when Odoo is unreachable
  } else {
    process.stderr.write(`sync-bridge: unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 70;
  }
});
