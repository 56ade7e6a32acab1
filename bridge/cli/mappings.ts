import { runMappingsCommand as dispatch } from './mappings-command.js';
import { createContext } from '../app/context.js';
import { odooSeriesOf } from '../odoo/server-version.js';

/**
 * `sync-bridge mappings ...`: check and preview need no Odoo; `preview --record` reads the
 * record through the configured Odoo gateway (web_read with the mapping's own spec).
 */
export async function runMappingsCommand(argv: string[], configFile: string | undefined): Promise<number> {
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
