import { buildCapturedDraft, shouldCaptureDraft, type CaptureFacts } from '../expert-capture';

const facts = (overrides: Partial<CaptureFacts> = {}): CaptureFacts => ({
  number: '202611-007',
  title: '如何开具增值税专用发票',
  description: '公司报销需要专票',
  type: 'CONSULTATION',
  category: 'transaction',
  expertAnswer: '在发票管理中申请。',
  ...overrides,
});

describe('capture of expert answers', () => {
  const open = { articlesLinked: 0, draftAlreadyProposed: false };

  it('should capture when a consultation was answered by an expert and no article was used', () => {
    expect(shouldCaptureDraft(facts(), open)).toBe(true);
  });

  it('should not capture when an article was used, a draft exists, no expert answered or it is no consultation', () => {
    expect(shouldCaptureDraft(facts(), { ...open, articlesLinked: 1 })).toBe(false);
    expect(shouldCaptureDraft(facts(), { ...open, draftAlreadyProposed: true })).toBe(false);
    expect(shouldCaptureDraft(facts({ expertAnswer: null }), open)).toBe(false);
    expect(shouldCaptureDraft(facts({ expertAnswer: '  ' }), open)).toBe(false);
    expect(shouldCaptureDraft(facts({ type: 'COMPLAINT' }), open)).toBe(false);
  });

  it('should build a Chinese draft with question, answer and source ticket when the ticket is Chinese', () => {
    const draft = buildCapturedDraft(facts());
    expect(draft.locale).toBe('zh-CN');
    expect(draft.title).toBe('如何开具增值税专用发票');
    expect(draft.body).toBe(
      '## 问题\n\n公司报销需要专票\n\n## 解答\n\n在发票管理中申请。\n\n---\n\n来源：工单 202611-007 的专家解答\n',
    );
    expect(draft.summary).toBe('在发票管理中申请。');
    expect(draft.tags).toEqual(['expert-answer', 'consultation']);
  });

  it('should use the title as the question when the ticket has no description', () => {
    const draft = buildCapturedDraft(
      facts({ title: 'VAT invoice', description: null, expertAnswer: 'Ask billing.' }),
    );
    expect(draft.locale).toBe('en');
    expect(draft.body).toContain('## Question\n\nVAT invoice\n\n## Answer\n\nAsk billing.');
  });
});
