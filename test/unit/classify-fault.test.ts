import { expect } from 'chai';
import { classifyJson2Error, classifyNetworkError, classifyXmlRpcFault } from '../../bridge/odoo/classify-fault.js';
import { OdooAccessError, OdooAuthError, OdooMissingError, OdooServerError, OdooUnavailableError, OdooValidationError } from '../../bridge/odoo/odoo-errors.js';

describe('Odoo fault classification', () => {
  const xmlCases: Array<[string, { faultCode: unknown; faultString: string }, unknown, boolean]> = [
    ['AccessDenied', { faultCode: 3, faultString: 'Access Denied' }, OdooAuthError, false],
    ['AccessError', { faultCode: 4, faultString: 'You are not allowed to access Sale Order' }, OdooAccessError, false],
    ['ValidationError', { faultCode: 2, faultString: 'The quantity must be positive' }, OdooValidationError, false],
    ['MissingError', { faultCode: 2, faultString: 'Record does not exist or has been deleted.\n(Record: sale.order(9,))' }, OdooMissingError, false],
    ['serialization failure', { faultCode: 1, faultString: 'Traceback...\npsycopg2.errors.SerializationFailure: could not serialize access due to concurrent update' }, OdooUnavailableError, true],
    ['LockError (Odoo 19: only the message crosses XML-RPC)', { faultCode: 2, faultString: 'Cannot grab a lock on records' }, OdooUnavailableError, true],
    ['server bug', { faultCode: 1, faultString: 'Traceback (most recent call last):\n  File x\nKeyError: \'foo\'' }, OdooServerError, false],
    ['pending slot taken (outbox requeue, retries exhausted)', { faultCode: 1, faultString: 'Traceback...\nodoo.addons.sync_bridge.models.sync_event.PendingSlotTaken: could not serialize access: sync.event 9, a newer pending event of product.product,3 (atp) was committed meanwhile; retry to merge into it' }, OdooUnavailableError, true],
  ];
  for (const [name, fault, type, retryable] of xmlCases) {
    it(`XML-RPC ${name}`, () => {
      const e = classifyXmlRpcFault(fault, 'sync.event.sync_claim');
      expect(e).to.be.instanceOf(type as new () => Error);
      expect(e.retryable).to.equal(retryable);
      expect(e.message).to.contain('sync.event.sync_claim');
    });
  }
  it('server bug keeps the last traceback line as message', () => {
    expect(classifyXmlRpcFault(xmlCases[6]![1], 'm.x').message).to.equal("m.x: KeyError: 'foo'");
  });
  const jsonCases: Array<[number, string, unknown]> = [
    [401, 'odoo.exceptions.AccessDenied', OdooAuthError],
    [403, 'odoo.exceptions.AccessError', OdooAccessError],
    [404, 'odoo.exceptions.MissingError', OdooMissingError],
    [422, 'odoo.exceptions.ValidationError', OdooValidationError],
    [503, '', OdooUnavailableError],
    [409, 'odoo.exceptions.LockError', OdooUnavailableError],
    [500, 'builtins.KeyError', OdooServerError],
  ];
  for (const [status, name, type] of jsonCases) {
    it(`JSON-2 HTTP ${status} ${name || '(no body)'}`, () => {
      expect(classifyJson2Error(status, { name, message: 'm' }, 'x.y')).to.be.instanceOf(type as new () => Error);
    });
  }
  it('network errors and timeouts are transient', () => {
    expect(classifyNetworkError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 'a').retryable).to.equal(true);
    expect(classifyNetworkError(Object.assign(new Error('t'), { name: 'TimeoutError' }), 'a').retryable).to.equal(true);
    expect(classifyNetworkError(new Error('Unknown XML-RPC tag \'html\''), 'a').retryable).to.equal(true);
    expect(classifyNetworkError(new Error('weird'), 'a').retryable).to.equal(false);
    // fetch (the JSON-2 transport) wraps the socket error in TypeError('fetch failed') { cause }
    const wrapped = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    const e = classifyNetworkError(wrapped, 'a');
    expect(e).to.be.instanceOf(OdooUnavailableError);
    expect(e.message).to.contain('ECONNREFUSED');
  });
});
