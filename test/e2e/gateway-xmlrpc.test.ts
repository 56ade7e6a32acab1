import { XmlRpcTransport } from '../../bridge/odoo/xmlrpc-transport.js';
import { describeGatewayContract } from '../gateway/contract-suite.js';
import { create, odooTestEnv, searchRead } from './support/odoo-env.js';

/**
 * The Odoo gateway contract (test/gateway/contract-suite.ts) over XML-RPC against the real
 * Odoo of the harness; test/odoo-json2/ runs the same cases over JSON-2 against Odoo 19+.
 */
const env = odooTestEnv();
const LIMITED = 'gw-contract-limited';
const LIMITED_PASSWORD = 'gw-Limited-Passw0rd!';
const conn = (username: string, apiKey: string, url = env.url) => new XmlRpcTransport({ url, db: env.db, username, apiKey, timeoutMs: 30_000 });

describe('gateway contract set-up (XML-RPC)', () => {
  it('has an internal user without administration rights', async () => {
    const found = await searchRead(env.admin, 'res.users', [['login', '=', LIMITED]], ['id']);
    if (found.length === 0) {
      const internal = await env.admin.call<Array<{ res_id: number }>>({ model: 'ir.model.data', method: 'search_read', params: { domain: [['module', '=', 'base'], ['name', '=', 'group_user']], fields: ['res_id'] } });
      await create(env.admin, 'res.users', { name: 'Gateway contract (limited)', login: LIMITED, password: LIMITED_PASSWORD, groups_id: [[6, 0, [internal[0]!.res_id]]] });
    }
  });
});

describeGatewayContract(`XML-RPC on Odoo ${process.env.ODOO_SERIES ?? '18.0'}`, () => ({
  admin: () => conn(process.env.ODOO_ADMIN_LOGIN ?? 'admin', process.env.ODOO_ADMIN_PASSWORD ?? 'admin'),
  limited: () => conn(LIMITED, LIMITED_PASSWORD),
  wrongLogin: () => conn('no-such-login', process.env.ODOO_ADMIN_PASSWORD ?? 'admin'),
  badKey: () => conn(process.env.ODOO_ADMIN_LOGIN ?? 'admin', 'wrong-key-0123456789'),
  unreachable: (at) => conn('admin', 'x', at),
  adminLogin: process.env.ODOO_ADMIN_LOGIN ?? 'admin',
  major: Number.parseInt(process.env.ODOO_SERIES ?? '18', 10),
}));
