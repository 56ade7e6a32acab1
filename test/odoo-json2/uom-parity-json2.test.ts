import { Json2Transport } from '../../bridge/odoo/json2-transport.js';
import { describeUomParity } from '../gateway/uom-parity-suite.js';
import { json2Env } from './json2-env.js';

/**
 * The mapping engine's `uom` step against Odoo 19's own _compute_quantity (unit trees, the
 * inverted factor), over JSON-2; test/e2e/uom-parity.test.ts runs it against Odoo 18.
 * Inputs as gateway-json2.test.ts (test/harness/odoo-json2-tier.sh installs uom).
 */
const { url, db, adminLogin, adminKey, major } = json2Env();
const admin = new Json2Transport({ url, db, username: adminLogin, apiKey: adminKey, timeoutMs: 60_000 });

describeUomParity(`Odoo ${major} over JSON-2`, () => ({ admin: () => admin, major }));
