import { Json2Transport } from '../../bridge/odoo/json2-transport.js';
import { XmlRpcTransport } from '../../bridge/odoo/xmlrpc-transport.js';
import { describeGatewayContract } from '../gateway/contract-suite.js';
import { json2Env, need } from './json2-env.js';

/**
 * The Odoo gateway contract against a real Odoo 19+ (test/harness/odoo-json2-tier.sh starts
 * it): over JSON-2 (`/json/2/<model>/<method>`, bearer API key), the transport the sidecar
 * uses from Odoo 19 on, and over XML-RPC (deprecated in 19, removed in 22) on the same server
 * for comparison. Inputs: ODOO_JSON2_URL, ODOO_JSON2_DB, ODOO_JSON2_ADMIN_LOGIN /
 * ODOO_JSON2_ADMIN_KEY, ODOO_JSON2_LIMITED_LOGIN / ODOO_JSON2_LIMITED_KEY, ODOO_JSON2_SERIES.
 */
const { url, db, adminLogin, adminKey, major } = json2Env();
const limitedLogin = need('ODOO_JSON2_LIMITED_LOGIN');
const limitedKey = need('ODOO_JSON2_LIMITED_KEY');

for (const [label, Transport] of [['JSON-2', Json2Transport], ['XML-RPC', XmlRpcTransport]] as const) {
  const conn = (username: string, apiKey: string, at = url) => new Transport({ url: at, db, username, apiKey, timeoutMs: 30_000 });
  describeGatewayContract(`${label} on Odoo ${major}`, () => ({
    admin: () => conn(adminLogin, adminKey),
    limited: () => conn(limitedLogin, limitedKey),
    wrongLogin: () => conn('no-such-login', adminKey),
    badKey: () => conn(adminLogin, 'wrong-key-0123456789abcdef'),
    unreachable: (at) => conn(adminLogin, adminKey, at),
    adminLogin,
    major,
  }));
}
