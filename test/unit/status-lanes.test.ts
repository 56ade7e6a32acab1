import { expect } from 'chai';
import { formatLanes } from '../../bridge/cli/status.js';

describe('sync-bridge status: pending per claim lane', () => {
  it('prints order/status/bulk, and - for an addon without lanes', () => {
    expect(formatLanes({ order: 2, status: 0, bulk: 100000 })).to.equal('2/0/100000');
    expect(formatLanes(undefined)).to.equal('-');
  });
});
