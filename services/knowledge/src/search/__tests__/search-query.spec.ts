import { decodeCursor, encodeCursor, parseSearchQuery, tsQuerySql, queryTerms } from '../search-query';

describe('search query parsing', () => {
  it('should require every bigram of a Chinese term when the term has three characters', () => {
    const parsed = parseSearchQuery('工作日');
    expect(parsed.cjkTsQuery).toBe('( 工作 & 作日 )');
    expect(parsed.englishText).toBeNull();
    expect(parsed.cjkTerms).toEqual(['工作日']);
  });

  it('should match a one-character Chinese term as a prefix when the query is that short', () => {
    expect(parseSearchQuery('退').cjkTsQuery).toBe('( 退 | 退:* )');
  });

  it('should combine the English and Chinese parts with AND when a query mixes both', () => {
    const parsed = parseSearchQuery('iPhone 退款');
    expect(parsed.englishText).toBe('iphone');
    expect(tsQuerySql(parsed, 3)).toEqual({
      sql: "(websearch_to_tsquery('english', $3) && to_tsquery('simple', $4))",
      parameters: ['iphone', '( 退款 )'],
    });
  });

  it('should split a query at script boundaries when Latin, digits and Han touch', () => {
    const parsed = parseSearchQuery('订单号ABC123');
    expect(parsed.englishText).toBe('abc 123');
    expect(parsed.cjkTsQuery).toBe('( 订单 & 单号 )');
    expect(parseSearchQuery('iPhone订单').englishText).toBe('iphone');
    expect(parseSearchQuery('ｉＰｈｏｎｅ订单').cjkTsQuery).toBe('( 订单 )');
  });

  it('should return no SQL when the query holds nothing searchable', () => {
    const parsed = parseSearchQuery('  ?!  ');
    expect(tsQuerySql(parsed, 1)).toBeNull();
    expect(parsed.normalized).toBe('?!');
  });

  it('should normalize case, width and spaces when recording a query', () => {
    expect(parseSearchQuery('  Refund   STATUS ').normalized).toBe('refund status');
    expect(parseSearchQuery('ｉＰｈｏｎｅ１２３').normalized).toBe('iphone123');
  });

  it('should round-trip a cursor and reject a tampered one when decoding', () => {
    const id = '0b7f7f7e-8a4c-4d3b-9d7a-2f2f2f2f2f2f';
    expect(decodeCursor(encodeCursor('0.123456', id))).toEqual({ score: '0.123456', id });
    expect(decodeCursor('not-a-cursor')).toBeNull();
    expect(decodeCursor(Buffer.from(JSON.stringify(['1; DROP TABLE', id])).toString('base64url'))).toBeNull();
  });
});

describe('queryTerms', () => {
  it('should require every lexeme of a conjunction when terms are joined by &', () => {
    expect(queryTerms(`'deliveri' & 'delay'`)).toEqual({
      lexemes: ['deliveri', 'delay'],
      required: ['deliveri', 'delay'],
      conjunction: true,
    });
    expect(queryTerms(`'退款'`)).toEqual({ lexemes: ['退款'], required: ['退款'], conjunction: true });
  });

  it('should require only what every branch holds when the query has OR, NOT or a prefix', () => {
    expect(queryTerms(`'deliveri' <-> 'delay' | 'refund' & !'coupon'`)).toEqual({
      lexemes: ['deliveri', 'delay', 'refund', 'coupon'],
      required: [],
      conjunction: false,
    });
    expect(queryTerms(`'iphon' & '订单' & ( '退' | '退':* )`)).toEqual({
      lexemes: ['iphon', '订单', '退'],
      required: ['iphon', '订单'],
      conjunction: false,
    });
    expect(queryTerms(`( 'a' & 'b' ) | ( 'a' & 'c' )`).required).toEqual(['a']);
    expect(queryTerms(`'a' <-> 'b'`)).toEqual({
      lexemes: ['a', 'b'],
      required: ['a', 'b'],
      conjunction: false,
    });
    expect(queryTerms(`'a':AB & 'b'`)).toEqual({
      lexemes: ['a', 'b'],
      required: ['a', 'b'],
      conjunction: false,
    });
  });

  it('should read quoted lexemes and report nothing when the query is empty', () => {
    expect(queryTerms(`'it''s' & 'a\\\\b'`).required).toEqual([`it's`, 'a\\b']);
    expect(queryTerms('')).toEqual({ lexemes: [], required: [], conjunction: false });
  });
});
