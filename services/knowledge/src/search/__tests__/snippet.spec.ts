import { buildSnippet, escapeHtml, MARK_END, MARK_START } from '../snippet';

describe('search snippets', () => {
  it('should escape HTML and turn only the headline markers into mark tags when English matched', () => {
    const snippet = buildSnippet({
      headline: `<b>x</b> ${MARK_START}Refunds${MARK_END} & more`,
      text: 'ignored',
      cjkTerms: [],
    });
    expect(snippet).toBe('&lt;b&gt;x&lt;/b&gt; <mark>Refunds</mark> &amp; more');
  });

  it('should centre the window on the first Chinese match and mark every occurrence when the query is Chinese', () => {
    const text = `${'前言'.repeat(40)}申请退款后，退款三天到账。`;
    const snippet = buildSnippet({ headline: null, text, cjkTerms: ['退款'] });
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.match(/<mark>退款<\/mark>/g)).toHaveLength(2);
  });

  it('should mark the bigrams when the typed run does not occur as a whole', () => {
    const snippet = buildSnippet({ headline: null, text: '退款和流程说明', cjkTerms: ['退款流程'] });
    expect(snippet).toBe('<mark>退款</mark>和<mark>流程</mark>说明');
  });

  it('should never let a script tag through when the text contains one', () => {
    const snippet = buildSnippet({
      headline: null,
      text: '<script>alert(1)</script>退款',
      cjkTerms: ['退款'],
    });
    expect(snippet).not.toContain('<script');
    expect(snippet).toContain('&lt;script&gt;');
  });

  it('should escape quotes and ampersands when escaping HTML', () => {
    expect(escapeHtml(`"a" & 'b'`)).toBe('&quot;a&quot; &amp; &#39;b&#39;');
  });
});
