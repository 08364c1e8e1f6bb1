import {
  analyzeText,
  articleSearchColumns,
  bigramsOfRun,
  containsCjk,
  foldText,
  wordTokens,
} from '../text-analysis';

describe('text analysis', () => {
  it('should split Latin words out of Chinese text when they touch Han characters', () => {
    const analyzed = analyzeText('您的iPhone订单需要退货退款');
    expect(analyzed.words).toBe('iphone');
    expect(analyzed.cjkRuns).toEqual(['您的', '订单需要退货退款']);
    expect(analyzed.cjkGrams).toEqual(['您的', '订单', '单需', '需要', '要退', '退货', '货退', '退款']);
  });

  it('should fold case when the same word is typed in different cases', () => {
    expect(analyzeText('iPhone').words).toBe('iphone');
    expect(analyzeText('IPHONE').words).toBe('iphone');
    expect(analyzeText('iphone').words).toBe('iphone');
  });

  it('should fold full-width letters and digits when the text was typed with a CJK input method', () => {
    expect(foldText('ｉＰｈｏｎｅ')).toBe('iphone');
    expect(analyzeText('ｉＰｈｏｎｅ１２３').words).toBe('iphone 123');
    expect(analyzeText('订单１２３').words).toBe('123');
  });

  it('should treat a mixed query as its parts when Latin is written against Han', () => {
    expect(analyzeText('iPhone订单')).toEqual({ words: 'iphone', cjkRuns: ['订单'], cjkGrams: ['订单'] });
    expect(analyzeText('微信支付APP')).toEqual({
      words: 'app',
      cjkRuns: ['微信支付'],
      cjkGrams: ['微信', '信支', '支付'],
    });
  });

  it('should keep digits and letters apart when a model number touches them', () => {
    const mate = analyzeText('Mate60无法开机');
    expect(mate.words).toBe('mate 60');
    expect(mate.cjkGrams).toEqual(['无法', '法开', '开机']);
    const order = analyzeText('订单号ABC123');
    expect(order.words).toBe('abc 123');
    expect(wordTokens(order)).toEqual(['abc', '123']);
    expect(order.cjkGrams).toEqual(['订单', '单号']);
  });

  it('should keep punctuation for the websearch syntax when analysing a query', () => {
    expect(analyzeText('"Refund  status" -退款 or Invoice').words).toBe('"refund status" - or invoice');
  });

  it('should produce overlapping bigrams when a run has two or more characters', () => {
    expect(bigramsOfRun('退款流程')).toEqual(['退款', '款流', '流程']);
    expect(bigramsOfRun('退')).toEqual(['退']);
    expect(bigramsOfRun('𠀀𠀁中')).toEqual(['𠀀𠀁', '𠀁中']);
  });

  it('should keep kana with its prolonged sound mark in one run when text is Japanese', () => {
    expect(analyzeText('ラーメン').cjkRuns).toEqual(['ラーメン']);
    expect(containsCjk('refund only')).toBe(false);
    expect(containsCjk('refund 退款')).toBe(true);
  });

  it('should derive every indexed column with the same analysis when an article is stored', () => {
    expect(
      articleSearchColumns({
        title: 'Mate60无法开机',
        summary: '请先充电',
        body: '您的iPhone订单',
        tags: ['微信支付APP'],
      }),
    ).toEqual({
      titleWords: 'mate 60',
      titleNgrams: '无法 法开 开机',
      summaryWords: 'app',
      summaryNgrams: '请先 先充 充电 微信 信支 支付',
      bodyWords: 'iphone',
      bodyNgrams: '您的 订单',
    });
  });
});
