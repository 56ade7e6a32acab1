import { expect } from 'chai';
import { BridgeError } from '../../bridge/errors/index.js';
import type { OdooGateway } from '../../bridge/odoo/odoo-gateway.js';
import { freePort } from '../e2e/support/ports.js';
import {
  OdooAccessError, OdooAuthError, OdooMissingError, OdooUnavailableError, OdooValidationError,
} from '../../bridge/odoo/odoo-errors.js';

/**
 * The Odoo gateway contract, run against a real Odoo: what the sidecar relies on from either
 * transport (XML-RPC for Odoo 17/18, JSON-2 for Odoo 19+), using standard models only so it
 * runs on a bare database. The same cases run for every transport and version, so a transport
 * that passes here behaves like the others for the sidecar: named parameters, record ids,
 * context, nested web_read, and every failure as the same typed error.
 */
export interface GatewayUnderTest {
  /** A gateway with an administrator's credentials (API key, or password for XML-RPC). */
  admin: () => OdooGateway;
  /** A gateway of an internal user without administration rights. */
  limited: () => OdooGateway;
  /** The administrator's key (or password) with a login that does not exist. */
  wrongLogin: () => OdooGateway;
  /** The same server with a wrong API key. */
  badKey: () => OdooGateway;
  /** The same protocol pointed at this URL (a port where nothing listens). */
  unreachable: (url: string) => OdooGateway;
  /** The login of the administrator gateway. */
  adminLogin: string;
  /** Odoo's major version expected from serverVersion(). */
  major: number;
}

/** A port nobody listens on (taken from the OS, then closed). */
const closedPort = freePort;

async function failure(p: Promise<unknown>): Promise<BridgeError> {
  const err = await p.then(() => { throw new Error('expected the call to fail'); }, (e: unknown) => e);
  expect(err, 'a typed BridgeError').to.be.instanceOf(BridgeError);
  return err as BridgeError;
}

let suites = 0;

export function describeGatewayContract(title: string, under: () => GatewayUnderTest): void {
  describe(`Odoo gateway contract: ${title}`, function () {
    this.timeout(60_000);
    suites += 1;
    const tag = `gw${suites}-${Date.now() % 1_000_000}`;
    let gw: OdooGateway;
    let countryId = 0;

    before(async () => {
      gw = under().admin();
      const be = await gw.call<Array<{ id: number }>>({ model: 'res.country', method: 'search_read', params: { domain: [['code', '=', 'BE']], fields: ['id'], limit: 1 } });
      countryId = be[0]!.id;
    });

    it('reports the server version without authentication', async () => {
      const v = await under().admin().serverVersion();
      expect(Number.parseInt(v.replace(/^saas~/, ''), 10)).to.equal(under().major);
    });

    it('connects and returns the uid of the user the credentials belong to', async () => {
      const uid = await gw.connect();
      const me = await gw.call<Array<{ id: number }>>({ model: 'res.users', method: 'search_read', params: { domain: [['login', '=', under().adminLogin]], fields: ['id'] } });
      expect(uid).to.be.greaterThan(0);
      expect(uid).to.equal(me[0]!.id);
    });

    it('refuses to connect when the login does not exist', async () => {
      const err = await failure(under().wrongLogin().connect());
      expect(err).to.be.instanceOf(OdooAuthError);
    });

    it('creates, reads, writes and searches with named parameters and record ids', async () => {
      const ids = await gw.call<number[]>({ model: 'res.partner', method: 'create', params: { vals_list: [{ name: `${tag} A`, city: 'Ghent', country_id: countryId }, { name: `${tag} B` }] } });
      expect(ids).to.have.length(2);
      const read = await gw.call<Array<{ id: number; name: string; city: string | false; country_id: [number, string] | false }>>({ model: 'res.partner', method: 'read', ids: [ids[0]!], params: { fields: ['name', 'city', 'country_id'] } });
      expect(read[0]!.name).to.equal(`${tag} A`);
      expect(read[0]!.city).to.equal('Ghent');
      expect(read[0]!.country_id && read[0]!.country_id[0]).to.equal(countryId);
      expect(await gw.call({ model: 'res.partner', method: 'write', ids: [ids[1]!], params: { vals: { city: 'Bruges' } } })).to.equal(true);
      const found = await gw.call<Array<{ name: string; city: string }>>({ model: 'res.partner', method: 'search_read', params: { domain: [['name', '=like', `${tag} %`]], fields: ['name', 'city'], order: 'name desc', limit: 10 } });
      expect(found.map((p) => [p.name, p.city])).to.deep.equal([[`${tag} B`, 'Bruges'], [`${tag} A`, 'Ghent']]);
      expect(await gw.call<number>({ model: 'res.partner', method: 'search_count', params: { domain: [['name', '=like', `${tag} %`]] } })).to.equal(2);
    });

    it('passes the context (active_test) through', async () => {
      const [id] = await gw.call<number[]>({ model: 'res.partner', method: 'create', params: { vals_list: [{ name: `${tag} archived` }] } });
      await gw.call({ model: 'res.partner', method: 'write', ids: [id!], params: { vals: { active: false } } });
      const domain = [['id', '=', id]];
      expect(await gw.call<number[]>({ model: 'res.partner', method: 'search', params: { domain } })).to.deep.equal([]);
      expect(await gw.call<number[]>({ model: 'res.partner', method: 'search', params: { domain }, context: { active_test: false } })).to.deep.equal([id]);
    });

    it('reads nested relations in one call with web_read(specification)', async () => {
      const [id] = await gw.call<number[]>({ model: 'res.partner', method: 'create', params: { vals_list: [{ name: `${tag} nested`, country_id: countryId }] } });
      const rows = await gw.call<Array<{ id: number; name: string; country_id: { id: number; code: string } }>>({
        model: 'res.partner', method: 'web_read', ids: [id!], params: { specification: { name: {}, country_id: { fields: { code: {} } } } },
      });
      expect(rows).to.deep.equal([{ id, name: `${tag} nested`, country_id: { id: countryId, code: 'BE' } }]);
    });

    it('a deleted record is an OdooMissingError (permanent)', async () => {
      const [id] = await gw.call<number[]>({ model: 'res.partner', method: 'create', params: { vals_list: [{ name: `${tag} gone` }] } });
      await gw.call({ model: 'res.partner', method: 'unlink', ids: [id!] });
      const err = await failure(gw.call({ model: 'res.partner', method: 'write', ids: [id!], params: { vals: { city: 'X' } } }));
      expect(err).to.be.instanceOf(OdooMissingError);
      expect(err.retryable).to.equal(false);
    });

    it('a constraint violation is an OdooValidationError carrying Odoo\'s message', async () => {
      const [id] = await gw.call<number[]>({ model: 'res.partner', method: 'create', params: { vals_list: [{ name: `${tag} loop` }] } });
      const err = await failure(gw.call({ model: 'res.partner', method: 'write', ids: [id!], params: { vals: { parent_id: id } } }));
      expect(err).to.be.instanceOf(OdooValidationError);
      expect(err.message).to.match(/recursive/i);
      expect(err.message).to.match(/^res\.partner\.write: /);
    });

    it('a missing access right is an OdooAccessError (permanent)', async () => {
      const err = await failure(under().limited().call({ model: 'res.users', method: 'create', params: { vals_list: [{ name: `${tag} u`, login: `${tag}-u` }] } }));
      expect(err).to.be.instanceOf(OdooAccessError);
      expect(err.retryable).to.equal(false);
    });

    it('private methods cannot be called: a permanent error, not a retry', async () => {
      const err = await failure(gw.call({ model: 'res.partner', method: '_compute_display_name' }));
      expect(err.retryable).to.equal(false);
      expect(err.message).to.match(/private/i);
    });

    it('an unknown model is a permanent error naming it', async () => {
      const err = await failure(gw.call({ model: 'no.such.model', method: 'search', params: { domain: [] } }));
      expect(err.retryable).to.equal(false);
      expect(err.message).to.include('no.such.model');
    });

    it('a wrong API key is an OdooAuthError', async () => {
      const bad = under().badKey();
      const err = await failure(bad.connect().then(() => bad.call({ model: 'res.partner', method: 'search', params: { domain: [], limit: 1 } })));
      expect(err).to.be.instanceOf(OdooAuthError);
      expect(err.message).not.to.include('wrong-key-');
    });

    it('Odoo unreachable is an OdooUnavailableError (retryable)', async () => {
      const err = await failure(under().unreachable(`http://127.0.0.1:${await closedPort()}`).call({ model: 'res.partner', method: 'search', params: { domain: [] } }));
      expect(err).to.be.instanceOf(OdooUnavailableError);
      expect(err.retryable).to.equal(true);
    });
  });
}
