import { articleFieldProblems, normalizeTags, stripControlCharacters } from '../article-input';
import { renderMarkdown } from '../markdown';
import { invalidInput, mapKnowledgeError } from '../../knowledge.errors';

describe('article input', () => {
  it('should report every problem together when several fields are wrong', () => {
    expect(
      articleFieldProblems({ title: ' ', body: 'x'.repeat(100_001), locale: 'xx-YY', audience: 'EVERYONE' }),
    ).toEqual([
      { field: 'title', message: 'title must not be empty' },
      { field: 'body', message: 'body must be at most 100000 characters' },
      {
        field: 'locale',
        message: 'locale "xx-YY" is not supported; use one of zh-CN, zh-TW, zh-HK, en, en-US, en-GB, ja, ko',
      },
      { field: 'audience', message: 'audience must be INTERNAL or PUBLIC' },
    ]);
  });

  it('should list problems as { field, message } in extensions.problems, as tickets does', () => {
    const error = mapKnowledgeError(invalidInput(articleFieldProblems({ title: ' ', audience: 'EVERYONE' })));

    expect(error.message).toBe('title must not be empty; audience must be INTERNAL or PUBLIC');
    expect(error.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      problems: [
        { field: 'title', message: 'title must not be empty' },
        { field: 'audience', message: 'audience must be INTERNAL or PUBLIC' },
      ],
    });
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
