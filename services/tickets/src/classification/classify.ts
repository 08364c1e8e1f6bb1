import {
  PRIORITIES,
  TICKET_TYPES,
  type ClassificationRule,
  type Priority,
  type TicketType,
} from './classification-rules';

export interface ClassificationSuggestion {
  type: TicketType | null;
  category: string | null;
  priority: Priority | null;
  matchedRuleIds: string[];
  matchedKeywords: string[];
}

// Ties between types are broken by how much a wrong guess costs the customer.
const TYPE_PRECEDENCE: TicketType[] = [
  'COMPLAINT',
  'FAULT_REPORT',
  'SERVICE_REQUEST',
  'CONSULTATION',
  'SUGGESTION',
  'OTHER',
];

const LATIN = /^[\x20-\x7e]+$/;

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** English keywords match whole words ('bug' not in 'debug'); Chinese ones as substrings. */
function keywordMatches(text: string, keyword: string): boolean {
  const needle = keyword.toLowerCase().trim();
  if (!needle) return false;
  if (!LATIN.test(needle)) return text.includes(needle);
  return new RegExp(`(^|[^a-z0-9])${escapeRegExp(needle)}($|[^a-z0-9])`).test(text);
}

export function classifyText(text: string, rules: ClassificationRule[]): ClassificationSuggestion {
  const haystack = text.toLowerCase();
  const typeWeights = new Map<TicketType, number>();
  const categoryWeights = new Map<string, number>();
  const priorities: Priority[] = [];
  const matchedRuleIds: string[] = [];
  const matchedKeywords = new Set<string>();

  for (const rule of rules) {
    const hits = rule.keywords.filter((keyword) => keywordMatches(haystack, keyword));
    if (hits.length === 0) continue;
    matchedRuleIds.push(rule.id);
    hits.forEach((keyword) => matchedKeywords.add(keyword));
    const weight = hits.length * (rule.weight ?? 1);
    if (rule.type) typeWeights.set(rule.type, (typeWeights.get(rule.type) ?? 0) + weight);
    if (rule.category) categoryWeights.set(rule.category, (categoryWeights.get(rule.category) ?? 0) + weight);
    if (rule.priority) priorities.push(rule.priority);
  }

  const type =
    [...typeWeights].sort(
      ([typeA, weightA], [typeB, weightB]) =>
        weightB - weightA || TYPE_PRECEDENCE.indexOf(typeA) - TYPE_PRECEDENCE.indexOf(typeB),
    )[0]?.[0] ?? null;
  // Map keeps insertion (rule) order, and sort is stable: ties go to the earlier rule.
  const category = [...categoryWeights].sort(([, weightA], [, weightB]) => weightB - weightA)[0]?.[0] ?? null;
  const priority = priorities.sort((a, b) => PRIORITIES.indexOf(a) - PRIORITIES.indexOf(b))[0] ?? null;
  return { type, category, priority, matchedRuleIds, matchedKeywords: [...matchedKeywords] };
}

/** Problems of a rule set loaded from configuration, as sentences; [] when valid. */
export function validateClassificationRules(rules: unknown): string[] {
  if (!Array.isArray(rules)) return ['rules must be an array'];
  const problems: string[] = [];
  const ids = new Set<string>();
  rules.forEach((rule: Partial<ClassificationRule>, index) => {
    const label = `rule ${index + 1}${rule?.id ? ` (${rule.id})` : ''}`;
    if (!rule || typeof rule.id !== 'string' || !rule.id) problems.push(`${label} needs an id`);
    else if (ids.has(rule.id)) problems.push(`${label}: duplicate id`);
    else ids.add(rule.id);
    if (!Array.isArray(rule?.keywords) || rule.keywords.length === 0)
      problems.push(`${label} needs keywords`);
    else if (rule.keywords.some((keyword) => typeof keyword !== 'string' || !keyword.trim())) {
      problems.push(`${label} has an empty keyword`);
    }
    if (rule?.type !== undefined && !TICKET_TYPES.includes(rule.type))
      problems.push(`${label}: unknown type ${rule.type}`);
    if (rule?.priority !== undefined && !PRIORITIES.includes(rule.priority)) {
      problems.push(`${label}: unknown priority ${rule.priority}`);
    }
    if (rule && !rule.type && !rule.priority && !rule.category) {
      problems.push(`${label} suggests nothing (no type, category or priority)`);
    }
  });
  return problems;
}
