import { expect } from 'chai';
import { backoffDelay } from '../../bridge/runtime/backoff.js';

describe('backoff with full jitter', () => {
  it('grows exponentially up to the cap', () => {
    const top = () => 0.999999;
    expect(backoffDelay(1, 1000, 60_000, top)).to.equal(1000);
    expect(backoffDelay(3, 1000, 60_000, top)).to.equal(4000);
    expect(backoffDelay(20, 1000, 60_000, top)).to.equal(60_000);
  });
  it('is jittered over [0, cap]', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20; i += 1) seen.add(backoffDelay(5, 1000, 60_000, () => i / 20));
    expect(seen.size).to.be.greaterThan(10);
    for (const v of seen) expect(v).to.be.within(0, 16_000);
  });
  it('never goes below what the peer asked for (Retry-After)', () => {
    expect(backoffDelay(1, 1000, 60_000, () => 0, 30_000)).to.equal(30_000);
  });
});
