import { expect } from 'chai';
import { SignalWatch } from '../../bridge/app/signal-watch.js';

describe('SignalWatch (stop requested during start-up)', () => {
  it('a SIGTERM before the stop handler exists is delivered once the handler is set', () => {
    const watch = new SignalWatch();
    process.emit('SIGTERM', 'SIGTERM');
    const got: string[] = [];
    watch.onSignal((s) => got.push(s));
    expect(got).to.deep.equal(['SIGTERM']);
  });

  it('a signal after the handler is set goes straight to it; nothing is delivered without one', () => {
    const watch = new SignalWatch();
    const got: string[] = [];
    watch.onSignal((s) => got.push(s));
    expect(got).to.deep.equal([]);
    process.emit('SIGINT', 'SIGINT');
    expect(got).to.deep.equal(['SIGINT']);
    process.removeAllListeners('SIGTERM');
  });
});
