import MarkdownIt from 'markdown-it';

// html: false turns raw HTML (script tags included) into escaped text;
// markdown-it's link validation drops javascript:, vbscript:, file: and data: URLs.
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });

export function renderMarkdown(source: string): string {
  return markdown.render(source);
}
