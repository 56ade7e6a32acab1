import { runMappingsCommand as dispatch } from './mappings-command.js';
import { createContext } from '../app/context.js';
import { odooSeriesOf } from '../odoo/server-version.js';
import { loadConfig } from '../config/load-config.js';
import { consoleWriter } from './mappings-files.js';
import { mappingsReload, sidecarUrl } from './mappings-reload.js';

/**
 * `sync-bridge mappings ...`: check and preview need no Odoo; `preview --record` reads the
 * record through the configured Odoo gateway (web_read with the mapping's own spec); `reload`
 * calls the running sidecar's admin endpoint with the config's admin token.
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
  const needsOdoo = argv.includes('--record');
  if (!needsOdoo) return dispatch(argv);
  const ctx = createContext({ configFile });
  return dispatch(argv, {
    odooSeries: async () => odooSeriesOf(await ctx.odoo.serverVersion()),
    readRecord: async (model, id, spec) => {
      const rows = await ctx.odoo.call<unknown[]>({ model, method: 'web_read', ids: [id], params: { specification: spec } });
      if (!rows[0]) throw new Error(`${model},${id} not found in Odoo`);
      return rows[0];
    },
  });
}
