import fs from 'node:fs';
import path from 'node:path';
import { runMappingsCommand as dispatch } from './mappings-command.js';
import { createContext } from '../app/context.js';
import { odooSeriesOf } from '../odoo/server-version.js';
import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import { consoleWriter } from './mappings-files.js';
import { mappingsReload, sidecarUrl } from './mappings-reload.js';
import type { DiffOptions, TargetRunContext } from './mappings-diff.js';
import type { PreviewOptions } from './mappings-preview.js';
import type { OdooGateway } from '../odoo/odoo-gateway.js';
import { linkResolver, odooLinkSource } from '../runtime/mapping-registry.js';
import { openStateStore } from '../state/state-store.js';
import { MappingStore } from '../state/mapping-store.js';
import { DeliveryLog } from '../state/delivery-log.js';
import { InboxStore } from '../state/inbox-store.js';
import { compileMapping } from '../mapping/index.js';

/** The configured target whose mappings folder holds `file`; undefined when none or several do. */
export function targetOfFile(loaded: LoadedConfig, file: string): string | undefined {
  const codes = targetsOfFile(loaded, file);
  return codes.length === 1 ? codes[0] : undefined;
}

/** Every configured target whose mappings folder holds `file` (several may share one folder). */
export function targetsOfFile(loaded: LoadedConfig, file: string): string[] {
  const { config } = loaded;
  const want = path.resolve(file);
  return Object.entries(config.targets)
    .filter(([, t]) => path.dirname(want) === path.resolve(config.mappings.dir, t.mappings ?? t.preset))
    .map(([code]) => code);
}

/** A target's vars and preset and, with an Odoo connection, its sync.link lookups. */
function targetContextOf(loaded: LoadedConfig, odoo: OdooGateway | undefined): (code: string) => TargetRunContext | undefined {
  return (code) => {
    const t = loaded.config.targets[code];
    if (!t) return undefined;
    const vars = (t.options.vars ?? {}) as Record<string, unknown>;
    if (!odoo) return { vars, preset: t.preset };
    const links = odooLinkSource((model, method, params) => odoo.call({ model, method, params }));
    return { vars, preset: t.preset, resolveLookups: (requests) => linkResolver(links, code, requests) };
  };
}

function odooReads(odoo: OdooGateway): Pick<PreviewOptions, 'odooSeries' | 'readRecord'> {
  return {
    odooSeries: async () => odooSeriesOf(await odoo.serverVersion()),
    readRecord: async (model, id, spec) => {
      const rows = await odoo.call<unknown[]>({ model, method: 'web_read', ids: [id], params: { specification: spec } });
      if (!rows[0]) throw new Error(`${model},${id} not found in Odoo`);
      return rows[0];
    },
  };
}

/**
 * The state file's loaded mapping versions, delivery log and inbox (diff's old side, --recent,
 * --inbox-id); it is not created here.
 */
function stateReads(loaded: LoadedConfig): Pick<DiffOptions, 'versionsOf' | 'versionByHash' | 'recentRecords' | 'inbox'> {
  const file = loaded.config.state.path;
  if (file !== ':memory:' && !fs.existsSync(file)) return {};
  const db = openStateStore(file);
  const store = new MappingStore(db);
  const log = new DeliveryLog(db);
  const inbox = new InboxStore(db);
  return {
    versionsOf: (f) => store.versionsOf(f),
    versionByHash: (p) => store.byHashPrefix(p),
    recentRecords: (versions, limit) => log.recentRecords(versions, limit),
    inbox: { recentInputs: (of, limit) => inbox.recentInputs(of, limit), inboxMessage: (id) => inbox.get(id) },
  };
}

/** Whether the mapping file `diff` / `preview` is given (the first argument that is no flag's value) is an inbound one. */
function inboundFileIn(argv: string[]): boolean {
  for (let i = 1; i < argv.length; i++) {
    if (argv[i]!.startsWith('-')) { i++; continue; }
    try {
      const r = compileMapping(fs.readFileSync(argv[i]!, 'utf8'), argv[i]!);
      return r.ok && r.mapping.direction === 'inbound';
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * `sync-bridge mappings ...`: check and preview need no Odoo; `preview --record` reads the
 * record through the configured Odoo gateway (web_read with the mapping's own spec) and maps it
 * with its target's vars and links; `diff` compares the edited file with the version the sidecar
 * loaded (state file) on Odoo records or JSON inputs, or (inbound mappings) on the inbox
 * messages of the state file (no Odoo read: their stored mapping inputs); `reload` calls the running sidecar's admin
 * endpoint with the config's admin token.
 */
export async function runMappingsCommand(argv: string[], configFile: string | undefined): Promise<number> {
  if (argv[0] === 'reload') {
    // No Odoo needed: the admin token and the server address from the config.
    const loaded = loadConfig({ file: configFile });
    const { server } = loaded.config;
    return mappingsReload(argv.slice(1), {
      token: server.admin_token ? loaded.secret(server.admin_token, 'server.admin_token') : undefined,
      defaultUrl: sidecarUrl(server), writer: consoleWriter,
    });
  }
  // An inbound mapping's --recent maps inbox messages (state file): no Odoo needed.
  const needsOdoo = argv.includes('--record') || (argv.includes('--recent') && !inboundFileIn(argv));
  const needsConfig = needsOdoo || argv[0] === 'diff' || argv.includes('--target') || argv.includes('--inbox-id');
  if (!needsConfig) return dispatch(argv);
  if (!needsOdoo) {
    const loaded = loadConfig({ file: configFile });
    return dispatch(argv, {
      ...stateReads(loaded), targetOfFile: (f) => targetOfFile(loaded, f), targetsOfFile: (f) => targetsOfFile(loaded, f), targetContext: targetContextOf(loaded, undefined),
    });
  }
  const ctx = createContext({ configFile });
  return dispatch(argv, {
    ...odooReads(ctx.odoo),
    ...(argv[0] === 'diff' ? stateReads(ctx.loaded) : {}),
    targetOfFile: (f) => targetOfFile(ctx.loaded, f),
    targetsOfFile: (f) => targetsOfFile(ctx.loaded, f),
    targetContext: targetContextOf(ctx.loaded, ctx.odoo),
  });
}
