import { expect } from 'chai';
import type { ReconLine } from '../../../bridge/odoo/contract.js';
import { OdooUnavailableError, OdooValidationError } from '../../../bridge/odoo/odoo-errors.js';
import { ReconRun } from '../../../bridge/reconcile/run.js';
import { RecordingPort, runOpts } from './helpers.js';

/** A port whose page calls fail `failures` times with `error` before answering. */
class FlakyPort extends RecordingPort {
  calls = { lines: 0, resend: 0 };
  constructor(private failures: number, private readonly error: () => Error) { super(); }
  override async reconLines(runId: number, lines: ReconLine[]) {
    this.calls.lines++;
    if (this.failures-- > 0) throw this.error();
    return super.reconLines(runId, lines);
  }
  override async reconResend(runId: number, model: string, ids: number[]) {
    this.calls.resend++;
    if (this.failures-- > 0) throw this.error();
    return super.reconResend(runId, model, ids);
  }
}

const line = (key: string): ReconLine => ({ key, outcome: 'mismatch', model: 'product.product', res_id: 1, odoo_value: '1', target_value: '2' } as ReconLine);
const serialization = () => new OdooUnavailableError('sync.event.sync_recon_lines: psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update');

describe('reconciliation page calls: a retryable Odoo failure is tried again, a permanent one is not', () => {
  const opts = { ...runOpts, lineBatch: 2, pageRetryMs: 1 };

  it('sync_recon_lines failing twice with a serialization failure: the page is sent on the third call, once', async () => {
    const port = new FlakyPort(2, serialization);
    const run = new ReconRun(port, 7, 'wms', 'master_data', opts);
    await run.line(line('a'));
    await run.line(line('b'));
    expect(port.calls.lines).to.equal(3);
    expect(port.lines.map((l) => l.key)).to.deep.equal(['a', 'b']);
    expect(run.counts['page_retries']).to.equal(2);
  });

  it('sync_recon_resend is retried the same way, with the same ids', async () => {
    const port = new FlakyPort(1, serialization);
    const run = new ReconRun(port, 7, 'wms', 'master_data', { ...opts, resendBatch: 2 });
    await run.resend('product.product', 5);
    await run.resend('product.product', 6);
    expect(port.calls.resend).to.equal(2);
    expect(port.resends).to.deep.equal([{ model: 'product.product', ids: [5, 6] }]);
  });

  it('gives up after pageRetries and fails the run with the error', async () => {
    const port = new FlakyPort(10, serialization);
    const run = new ReconRun(port, 7, 'wms', 'master_data', { ...opts, pageRetries: 3 });
    await run.line(line('a'));
    let caught: unknown;
    try { await run.line(line('b')); } catch (err) { caught = err; }
    expect(caught).to.be.instanceOf(OdooUnavailableError);
    expect(port.calls.lines).to.equal(4);
  });

  it('a permanent error (Odoo refused the call) is not retried', async () => {
    const port = new FlakyPort(1, () => new OdooValidationError('run 7 is not running'));
    const run = new ReconRun(port, 7, 'wms', 'master_data', opts);
    await run.line(line('a'));
    let caught: unknown;
    try { await run.line(line('b')); } catch (err) { caught = err; }
    expect(caught).to.be.instanceOf(OdooValidationError);
    expect(port.calls.lines).to.equal(1);
  });
});
