import { findLikelyDuplicate, titleSimilarity } from '../duplicate-detection';

describe('duplicate detection', () => {
  it('should flag a near-identical title in Chinese or English when the customer writes again', () => {
    const open = [
      { id: 'a', title: '快递包裹损坏要求赔偿' },
      { id: 'b', title: 'App crashes when paying' },
    ];

    expect(findLikelyDuplicate('快递包裹损坏，要求赔偿！', open)?.id).toBe('a');
    expect(findLikelyDuplicate('app crashes when paying by card', open)?.id).toBe('b');
  });

  it('should not flag an unrelated title', () => {
    expect(
      findLikelyDuplicate('How do I change my password?', [{ id: 'b', title: 'App crashes when paying' }]),
    ).toBeNull();
  });

  it('should score identical titles 1 and disjoint ones 0', () => {
    expect(titleSimilarity('Refund please', 'refund please')).toBe(1);
    expect(titleSimilarity('abc', 'xyz')).toBe(0);
  });
});
