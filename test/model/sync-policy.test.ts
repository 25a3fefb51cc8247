import { SyncPolicy } from '../../model/sync-policy.js';

describe('SyncPolicy', () => {
  test('automated defaults to prune', () => {
    expect(SyncPolicy.automated().prune).toBe(true);
  });
  test('automated defaults to self-heal', () => {
    expect(SyncPolicy.automated().selfHeal).toBe(true);
  });
  test('automated options are kept', () => {
    const policy = SyncPolicy.automated({ prune: false, selfHeal: false });
    expect([policy.automated, policy.prune, policy.selfHeal]).toEqual([true, false, false]);
  });
  test('manual neither syncs nor prunes nor heals', () => {
    const policy = SyncPolicy.manual();
    expect([policy.automated, policy.prune, policy.selfHeal]).toEqual([false, false, false]);
  });
  test('describe', () => {
    expect(SyncPolicy.automated().describe()).toBe('automated (prune, self-heal)');
    expect(SyncPolicy.automated({ selfHeal: false }).describe()).toBe('automated (prune)');
    expect(SyncPolicy.automated({ prune: false, selfHeal: false }).describe()).toBe('automated');
    expect(SyncPolicy.manual().describe()).toBe('manual');
  });
});
