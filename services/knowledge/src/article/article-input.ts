import type { InputProblem } from '../knowledge.errors';
import { ARTICLE_AUDIENCES } from './article.entity';

export const ARTICLE_LIMITS = {
  title: 200,
  summary: 1_000,
  body: 100_000,
  tags: 20,
  tag: 40,
  reason: 500,
  pageSize: 100,
};

/** Locales articles may be written in; search handles CJK and English text in any of them. */
export const SUPPORTED_LOCALES = ['zh-CN', 'zh-TW', 'zh-HK', 'en', 'en-US', 'en-GB', 'ja', 'ko'] as const;

export interface ArticleFields {
  title?: string;
  summary?: string;
  body?: string;
  locale?: string;
  audience?: string;
  tags?: string[];
}

// Control characters never belong in an article, and the search snippets use two of them as markers.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

export function stripControlCharacters(text: string): string {
  return text.replace(CONTROL, '');
}

export function normalizeTags(tags: string[]): string[] {
  return [...new Set(tags.map((tag) => tag.trim().toLowerCase()).filter((tag) => tag.length > 0))];
}

/** Every problem with the given fields at once, so a form can show them together. */
export function articleFieldProblems(fields: ArticleFields): InputProblem[] {
  const problems: InputProblem[] = [];
  if (fields.title !== undefined) {
    if (!fields.title.trim()) problems.push({ field: 'title', message: 'title must not be empty' });
    if (fields.title.trim().length > ARTICLE_LIMITS.title)
      problems.push({ field: 'title', message: `title must be at most ${ARTICLE_LIMITS.title} characters` });
  }
  if (fields.summary !== undefined && fields.summary.length > ARTICLE_LIMITS.summary)
    problems.push({
      field: 'summary',
      message: `summary must be at most ${ARTICLE_LIMITS.summary} characters`,
    });
  if (fields.body !== undefined) {
    if (!fields.body.trim()) problems.push({ field: 'body', message: 'body must not be empty' });
    if (fields.body.length > ARTICLE_LIMITS.body)
      problems.push({ field: 'body', message: `body must be at most ${ARTICLE_LIMITS.body} characters` });
  }
  if (fields.locale !== undefined && !(SUPPORTED_LOCALES as readonly string[]).includes(fields.locale))
    problems.push({
      field: 'locale',
      message: `locale "${fields.locale}" is not supported; use one of ${SUPPORTED_LOCALES.join(', ')}`,
    });
  if (fields.audience !== undefined && !(ARTICLE_AUDIENCES as readonly string[]).includes(fields.audience))
    problems.push({ field: 'audience', message: 'audience must be INTERNAL or PUBLIC' });
  if (fields.tags !== undefined) {
    const tags = normalizeTags(fields.tags);
    if (tags.length > ARTICLE_LIMITS.tags)
      problems.push({ field: 'tags', message: `at most ${ARTICLE_LIMITS.tags} tags` });
    const long = tags.filter((tag) => tag.length > ARTICLE_LIMITS.tag);
    if (long.length > 0)
      problems.push({ field: 'tags', message: `tags must be at most ${ARTICLE_LIMITS.tag} characters` });
  }
  return problems;
}
