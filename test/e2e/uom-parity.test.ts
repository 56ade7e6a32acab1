import { describeUomParity } from '../gateway/uom-parity-suite.js';
import { odooTestEnv } from './support/odoo-env.js';

/**
 * The mapping engine's `uom` step against Odoo 18's own _compute_quantity (categories);
 * test/odoo-json2/ runs the same suite against Odoo 19 (unit trees) over JSON-2.
 */
const env = odooTestEnv();
describeUomParity(`Odoo ${process.env.ODOO_SERIES ?? '18.0'} over XML-RPC`, () => ({
  admin: () => env.admin,
  major: Number.parseInt(process.env.ODOO_SERIES ?? '18', 10),
}));
