import { analyzeText, wordTokens } from './text-analysis';

/** What the knowledge service keeps of a ticket (from its events) to suggest articles. */
export interface TicketSignals {
  title: string;
  description: string | null;
  type: string;
  category: string | null;
}

export interface SuggestionTerms {
  /** For to_tsquery('english', …): words and numbers (analysed like the index) OR-ed, so any overlap counts and more overlap ranks higher. */
  englishTsQuery: string | null;
  /** For to_tsquery('simple', …): the CJK bigrams of title and description, OR-ed. */
  cjkTsQuery: string | null;
  categoryId: string | null;
  /** Articles tagged with the ticket type (e.g. `consultation`) fit its kind of question. */
  typeTag: string;
}

const MAX_ENGLISH_TERMS = 40;
const MAX_CJK_TERMS = 80;

/** Title words count twice: they are the customer's own summary of the problem. */
export function suggestionTerms(ticket: TicketSignals): SuggestionTerms {
  const text = `${ticket.title} ${ticket.title} ${ticket.description ?? ''}`;
  const analyzed = analyzeText(text);
  // Single letters and digits would match almost every article.
  const english = [...new Set(wordTokens(analyzed).filter((token) => token.length > 1))].slice(
    0,
    MAX_ENGLISH_TERMS,
  );
  const cjk = [...new Set(analyzed.cjkGrams)].slice(0, MAX_CJK_TERMS);
  return {
    englishTsQuery: english.length > 0 ? english.join(' | ') : null,
    cjkTsQuery: cjk.length > 0 ? cjk.join(' | ') : null,
    categoryId: ticket.category,
    typeTag: ticket.type.toLowerCase(),
  };
}

export interface SuggestionCandidate {
  articleId: string;
  /** ts_rank_cd of the article against the ticket's terms (0 when only the category matched). */
  textRank: number;
  categoryMatches: boolean;
  typeTagMatches: boolean;
  helpfulVotes: number;
  notHelpfulVotes: number;
}

export const SUGGESTION_WEIGHTS = { category: 0.3, typeTag: 0.1, helpfulness: 0.05 };

/**
 * Text relevance first; the same category and a tag for the ticket's type
 * lift an article; votes nudge between otherwise equal answers (smoothed so
 * one vote does not outweigh relevance).
 */
export function suggestionScore(candidate: SuggestionCandidate): number {
  const votes = candidate.helpfulVotes + candidate.notHelpfulVotes;
  const helpfulness = (candidate.helpfulVotes - candidate.notHelpfulVotes) / (votes + 2);
  return (
    candidate.textRank +
    (candidate.categoryMatches ? SUGGESTION_WEIGHTS.category : 0) +
    (candidate.typeTagMatches ? SUGGESTION_WEIGHTS.typeTag : 0) +
    SUGGESTION_WEIGHTS.helpfulness * helpfulness
  );
}

export function rankSuggestions<T extends SuggestionCandidate>(
  candidates: T[],
  first: number,
): (T & { score: number })[] {
  return candidates
    .map((candidate) => ({ ...candidate, score: suggestionScore(candidate) }))
    .filter((candidate) => candidate.textRank > 0 || candidate.categoryMatches)
    .sort((a, b) => b.score - a.score || a.articleId.localeCompare(b.articleId))
    .slice(0, first);
}
