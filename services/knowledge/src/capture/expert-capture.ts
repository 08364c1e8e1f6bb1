import { containsCjk } from '../search/text-analysis';
import { ARTICLE_LIMITS } from '../article/article-input';

/** What the ticket events told us about a ticket, as far as capture needs it. */
export interface CaptureFacts {
  number: string;
  title: string;
  description: string | null;
  type: string;
  category: string | null;
  expertAnswer: string | null;
}

/**
 * The capture rule: a CONSULTATION ticket reaches RESOLVED, an expert answered
 * it (a public agent reply written while the ticket was escalated to the
 * EXPERT tier; the last such reply is the answer), and no article was used on
 * it — the knowledge base could not answer, so the expert's answer should
 * become a standard answer. One draft per ticket at most.
 */
export function shouldCaptureDraft(
  facts: CaptureFacts,
  state: { articlesLinked: number; draftAlreadyProposed: boolean },
): boolean {
  return (
    facts.type === 'CONSULTATION' &&
    !!facts.expertAnswer?.trim() &&
    state.articlesLinked === 0 &&
    !state.draftAlreadyProposed
  );
}

export interface CapturedDraft {
  title: string;
  summary: string;
  body: string;
  locale: string;
  tags: string[];
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

export function buildCapturedDraft(facts: CaptureFacts): CapturedDraft {
  const question = facts.description?.trim() || facts.title;
  const answer = facts.expertAnswer?.trim() ?? '';
  const chinese = containsCjk(`${facts.title} ${question}`);
  const headings = chinese ? ['问题', '解答'] : ['Question', 'Answer'];
  const source = chinese
    ? `来源：工单 ${facts.number} 的专家解答`
    : `Source: expert answer on ticket ${facts.number}`;
  const body = `## ${headings[0]}\n\n${question}\n\n## ${headings[1]}\n\n${answer}\n\n---\n\n${source}\n`;
  return {
    title: clip(facts.title.trim(), ARTICLE_LIMITS.title),
    summary: clip(answer.replace(/\s+/g, ' '), 200),
    body: clip(body, ARTICLE_LIMITS.body),
    locale: chinese ? 'zh-CN' : 'en',
    tags: ['expert-answer', facts.type.toLowerCase()],
  };
}
