import { bigramsOfRun, cjkNgramText, cjkRuns, containsCjk, withoutCjk } from '../cjk-ngrams';

describe('CJK n-grams', () => {
  it('should split text into CJK runs when Chinese and English are mixed', () => {
    expect(cjkRuns('iPhone 15 退款流程，请看FAQ')).toEqual(['退款流程', '请看']);
    expect(containsCjk('refund only')).toBe(false);
    expect(withoutCjk('iPhone退款 refund').replace(/\s+/g, ' ').trim()).toBe('iPhone refund');
  });

  it('should produce overlapping bigrams when a run has two or more characters', () => {
    expect(bigramsOfRun('退款流程')).toEqual(['退款', '款流', '流程']);
    expect(bigramsOfRun('退款')).toEqual(['退款']);
  });

  it('should keep a single character as its own gram when a run is one character long', () => {
    expect(bigramsOfRun('退')).toEqual(['退']);
    expect(cjkNgramText('在 订单 页')).toBe('在 订单 页');
  });

  it('should treat surrogate-pair characters as one character when building bigrams', () => {
    expect(bigramsOfRun('𠀀𠀁中')).toEqual(['𠀀𠀁', '𠀁中']);
  });
});
