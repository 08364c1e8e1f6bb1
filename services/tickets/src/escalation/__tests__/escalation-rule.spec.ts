import { canEscalate, isAbove, nextTier } from '../escalation-rule';

describe('escalation rule', () => {
  it('should climb supervisor then expert and stop at the top when asked for the next tier', () => {
    expect([nextTier(null), nextTier('SUPERVISOR'), nextTier('EXPERT')]).toEqual([
      'SUPERVISOR',
      'EXPERT',
      null,
    ]);
  });

  it('should only allow moving up when comparing a target with the current tier', () => {
    expect(isAbove('SUPERVISOR', null)).toBe(true);
    expect(isAbove('EXPERT', 'SUPERVISOR')).toBe(true);
    expect(isAbove('SUPERVISOR', 'SUPERVISOR')).toBe(false);
    expect(isAbove('SUPERVISOR', 'EXPERT')).toBe(false);
  });

  it('should refuse finished tickets when asked whether a status can escalate', () => {
    expect(
      ['NEW', 'IN_PROGRESS', 'PENDING_CUSTOMER', 'RESOLVED', 'CLOSED'].map((s) => canEscalate(s as never)),
    ).toEqual([true, true, true, false, false]);
  });
});
