import {
  rankSuggestions,
  suggestionScore,
  suggestionTerms,
  type SuggestionCandidate,
} from '../suggestion-ranking';

const candidate = (overrides: Partial<SuggestionCandidate>): SuggestionCandidate => ({
  articleId: 'a',
  textRank: 0,
  categoryMatches: false,
  typeTagMatches: false,
  helpfulVotes: 0,
  notHelpfulVotes: 0,
  ...overrides,
});

describe('suggestion ranking inputs', () => {
  it('should take English words and Chinese bigrams from title and description when building terms', () => {
    const terms = suggestionTerms({
      title: '退款 refund',
      description: 'Where is my refund? 到账',
      type: 'CONSULTATION',
      category: 'transaction',
    });
    expect(terms.englishTsQuery).toBe('refund | where | is | my');
    expect(terms.cjkTsQuery).toBe('退款 | 到账');
    expect(terms.categoryId).toBe('transaction');
    expect(terms.typeTag).toBe('consultation');
  });

  it('should analyse ticket text like the index when Latin and digits touch Han', () => {
    const terms = suggestionTerms({
      title: 'Mate60无法开机',
      description: '订单号ABC123',
      type: 'FAULT_REPORT',
      category: null,
    });
    expect(terms.englishTsQuery).toBe('mate | 60 | abc | 123');
    expect(terms.cjkTsQuery).toBe('无法 | 法开 | 开机 | 订单 | 单号');
  });

  it('should return no text terms when the ticket has neither words nor Chinese', () => {
    const terms = suggestionTerms({ title: '???', description: null, type: 'OTHER', category: null });
    expect(terms.englishTsQuery).toBeNull();
    expect(terms.cjkTsQuery).toBeNull();
  });

  it('should only keep tsquery-safe words when the text contains operators', () => {
    const terms = suggestionTerms({
      title: "a|b & c!(d) ':*",
      description: null,
      type: 'OTHER',
      category: null,
    });
    expect(terms.englishTsQuery).toBeNull();
  });

  it('should rank a category match above an otherwise equal article when text relevance ties', () => {
    const ranked = rankSuggestions(
      [
        candidate({ articleId: 'plain', textRank: 0.2 }),
        candidate({ articleId: 'same-category', textRank: 0.2, categoryMatches: true }),
      ],
      5,
    );
    expect(ranked.map((entry) => entry.articleId)).toEqual(['same-category', 'plain']);
  });

  it('should let votes only nudge the order when relevance differs clearly', () => {
    const loved = suggestionScore(candidate({ textRank: 0.2, helpfulVotes: 100 }));
    const relevant = suggestionScore(candidate({ textRank: 0.4, notHelpfulVotes: 3 }));
    expect(relevant).toBeGreaterThan(loved);
  });

  it('should drop articles that match neither text nor category when ranking', () => {
    const ranked = rankSuggestions(
      [candidate({ articleId: 'tag-only', typeTagMatches: true, helpfulVotes: 9 })],
      5,
    );
    expect(ranked).toEqual([]);
  });

  it('should return at most first suggestions when there are more candidates', () => {
    const ranked = rankSuggestions(
      ['a', 'b', 'c'].map((articleId, index) => candidate({ articleId, textRank: 0.1 * (index + 1) })),
      2,
    );
    expect(ranked.map((entry) => entry.articleId)).toEqual(['c', 'b']);
  });
});
