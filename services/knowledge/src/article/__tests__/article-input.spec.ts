import { articleFieldProblems, normalizeTags, stripControlCharacters } from '../article-input';
import { renderMarkdown } from '../markdown';

describe('article input', () => {
  it('should report every problem together when several fields are wrong', () => {
    expect(
      articleFieldProblems({ title: ' ', body: 'x'.repeat(100_001), locale: 'xx-YY', audience: 'EVERYONE' }),
    ).toEqual([
      'title must not be empty',
      'body must be at most 100000 characters',
      'locale "xx-YY" is not supported; use one of zh-CN, zh-TW, zh-HK, en, en-US, en-GB, ja, ko',
      'audience must be INTERNAL or PUBLIC',
    ]);
  });

  it('should accept a partial update when only valid fields are given', () => {
    expect(articleFieldProblems({ summary: 'ok', tags: ['Refund', 'refund '] })).toEqual([]);
    expect(normalizeTags(['Refund', 'refund ', ' '])).toEqual(['refund']);
  });

  it('should strip control characters but keep newlines and tabs when cleaning text', () => {
    expect(stripControlCharacters('a\u0002b\u0003c\n\td')).toBe('abc\n\td');
  });

  it('should escape raw HTML and drop javascript links when rendering Markdown', () => {
    const html = renderMarkdown(
      '<script>alert(1)</script> **b** [x](javascript:alert(1)) <img src=x onerror=alert(1)>',
    );
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<strong>b</strong>');
    expect(html).not.toContain('href="javascript:');
  });
});
