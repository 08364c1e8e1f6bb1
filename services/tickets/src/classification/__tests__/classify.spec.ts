import { DEFAULT_CLASSIFICATION_RULES } from '../classification-rules';
import { classifyText, validateClassificationRules } from '../classify';

const classify = (text: string) => classifyText(text, DEFAULT_CLASSIFICATION_RULES);

describe('keyword classification', () => {
  it('should suggest a complaint when the customer writes 投诉 or 赔偿', () => {
    expect(classify('我要投诉，快递损坏要求赔偿')).toMatchObject({ type: 'COMPLAINT', category: 'delivery' });
  });

  it('should suggest a complaint with P0 when a complaint mentions an outage', () => {
    expect(classify('Complaint: your service outage cost us money, we want a refund')).toMatchObject({
      type: 'COMPLAINT',
      priority: 'P0',
    });
  });

  it('should match English keywords on word boundaries only', () => {
    expect(classify('Please help me debug my integration').type).not.toBe('FAULT_REPORT');
    expect(classify('There is a bug in checkout').type).toBe('FAULT_REPORT');
  });

  it('should suggest a consultation and P0 for Chinese questions and outages', () => {
    expect(classify('请问如何开发票').type).toBe('CONSULTATION');
    expect(classify('系统宕机了').priority).toBe('P0');
  });

  it('should suggest nothing when no keyword matches', () => {
    expect(classify('Hello there')).toEqual({
      type: null,
      category: null,
      priority: null,
      matchedRuleIds: [],
      matchedKeywords: [],
    });
  });

  it('should break type ties by precedence, complaint first', () => {
    const rules = [
      { id: 'q', type: 'CONSULTATION' as const, keywords: ['invoice'] },
      { id: 'c', type: 'COMPLAINT' as const, keywords: ['late'] },
    ];

    expect(classifyText('invoice late', rules).type).toBe('COMPLAINT');
  });
});

describe('classification rule validation', () => {
  it('should accept the default rules', () => {
    expect(validateClassificationRules(DEFAULT_CLASSIFICATION_RULES)).toEqual([]);
  });

  it('should report every problem of a broken rule set together', () => {
    const problems = validateClassificationRules([
      { id: 'a', keywords: [], type: 'COMPLAINT' },
      { id: 'a', keywords: ['x'], priority: 'P9' },
      { keywords: ['y'] },
    ]);

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('needs keywords'),
        expect.stringContaining('duplicate id'),
        expect.stringContaining('unknown priority P9'),
        expect.stringContaining('needs an id'),
      ]),
    );
    expect(validateClassificationRules('nope')).toEqual(['rules must be an array']);
  });
});
