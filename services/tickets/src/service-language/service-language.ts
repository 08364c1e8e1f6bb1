/** Service language standards (服务用语 / 服务忌语): pure matching and validation. */

export const SERVICE_LANGUAGE_KINDS = ['FORBIDDEN', 'GREETING', 'CLOSING'] as const;
export type ServiceLanguageKind = (typeof SERVICE_LANGUAGE_KINDS)[number];

export const SERVICE_LANGUAGES = ['ZH', 'EN'] as const;
export type ServiceLanguage = (typeof SERVICE_LANGUAGES)[number];

export interface ServiceLanguageRule {
  kind: ServiceLanguageKind;
  language: ServiceLanguage;
  /** `*` is a wildcard for 1–20 characters, e.g. 你到*部门问问吧. */
  phrase: string;
  /** The standard wording to use instead; forbidden phrases only. */
  suggestion: string | null;
}

export const WILDCARD = '*';
const WILDCARD_MAX = 20;

/**
 * Full-width and half-width forms compare equal (NFKC), English case does not
 * matter, and runs of spaces and punctuation collapse into one separator, so
 * "这是规定，我有什么办法" matches "这是规定,我有什么办法" and "这是规定 我有什么办法".
 */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, ' ')
    .trim();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const LATIN = /[a-z0-9]/;

/** A phrase becomes a pattern over normalised text: separators optional, `*` a short wildcard. */
export function phrasePattern(phrase: string): RegExp {
  const parts = phrase.split(WILDCARD).map((part) => normaliseText(part));
  const body = parts
    .map((part) =>
      part
        .split(' ')
        .filter(Boolean)
        .map((token) => escapeRegExp(token))
        .join(' ?'),
    )
    .join(` ?.{1,${WILDCARD_MAX}}? ?`);
  const flat = parts.join('');
  // English words match whole words only: "no" must not match inside "know".
  const before = LATIN.test(flat.charAt(0)) ? '(?<![a-z0-9])' : '';
  const after = LATIN.test(flat.charAt(flat.length - 1)) ? '(?![a-z0-9])' : '';
  return new RegExp(`${before}${body}${after}`, 'u');
}

export interface ForbiddenMatch {
  phrase: string;
  suggestion: string | null;
}

export interface CourtesyWarning {
  code: 'MISSING_GREETING' | 'MISSING_CLOSING';
  language: ServiceLanguage;
  message: string;
  expected: string[];
}

export interface ServiceLanguageCheck {
  forbidden: ForbiddenMatch[];
  warnings: CourtesyWarning[];
}

/** Replies with any Chinese character are held to the Chinese courtesies, others to the English ones. */
export function replyLanguage(text: string): ServiceLanguage {
  return /\p{Script=Han}/u.test(text) ? 'ZH' : 'EN';
}

/**
 * Checks a public reply: forbidden phrases of every language refuse it;
 * missing courtesies of the reply's language only warn.
 */
export function checkServiceLanguage(text: string, rules: ServiceLanguageRule[]): ServiceLanguageCheck {
  const normalised = normaliseText(text);
  const forbidden = rules
    .filter((rule) => rule.kind === 'FORBIDDEN' && phrasePattern(rule.phrase).test(normalised))
    .map((rule) => ({ phrase: rule.phrase, suggestion: rule.suggestion }));
  const language = replyLanguage(text);
  const warnings: CourtesyWarning[] = [];
  for (const kind of ['GREETING', 'CLOSING'] as const) {
    const expected = rules.filter((rule) => rule.kind === kind && rule.language === language);
    if (expected.length === 0) continue;
    if (expected.some((rule) => phrasePattern(rule.phrase).test(normalised))) continue;
    const phrases = expected.map((rule) => rule.phrase);
    warnings.push({
      code: kind === 'GREETING' ? 'MISSING_GREETING' : 'MISSING_CLOSING',
      language,
      message: `The reply has no ${kind === 'GREETING' ? 'greeting' : 'closing'}; use one of: ${phrases.join(' / ')}.`,
      expected: phrases,
    });
  }
  return { forbidden, warnings };
}

/** Every problem of a rule set, each naming the phrase; empty when the set is valid. */
export function validateServiceLanguageRules(rules: ServiceLanguageRule[]): string[] {
  const problems: string[] = [];
  if (!rules.some((rule) => rule.kind === 'FORBIDDEN')) {
    problems.push('the list needs at least one FORBIDDEN phrase');
  }
  const seen = new Map<string, ServiceLanguageRule>();
  for (const rule of rules) {
    const key = normaliseText(rule.phrase.split(WILDCARD).join(' '));
    if (!key) {
      problems.push(`a ${rule.kind} phrase is blank`);
      continue;
    }
    if (rule.kind === 'FORBIDDEN' && !rule.suggestion?.trim()) {
      problems.push(`forbidden phrase "${rule.phrase}" needs a suggested standard wording`);
    }
    if (rule.kind !== 'FORBIDDEN' && rule.suggestion?.trim()) {
      problems.push(
        `${rule.kind} phrase "${rule.phrase}" cannot carry a suggestion (forbidden phrases only)`,
      );
    }
    if (
      rule.kind === 'FORBIDDEN' &&
      rule.suggestion &&
      phrasePattern(rule.phrase).test(normaliseText(rule.suggestion))
    ) {
      problems.push(`the suggestion for "${rule.phrase}" contains the forbidden phrase itself`);
    }
    const previous = seen.get(key);
    if (previous) {
      const forbiddenAndRequired = (previous.kind === 'FORBIDDEN') !== (rule.kind === 'FORBIDDEN');
      problems.push(
        forbiddenAndRequired
          ? `"${rule.phrase}" is both forbidden and required (${previous.kind} and ${rule.kind})`
          : `"${rule.phrase}" is listed twice`,
      );
      continue;
    }
    seen.set(key, rule);
  }
  // A required courtesy that contains a forbidden phrase could never be written.
  for (const required of rules.filter((rule) => rule.kind !== 'FORBIDDEN')) {
    const text = normaliseText(required.phrase.split(WILDCARD).join(' '));
    for (const forbidden of rules.filter((rule) => rule.kind === 'FORBIDDEN')) {
      if (text && normaliseText(forbidden.phrase) !== text && phrasePattern(forbidden.phrase).test(text)) {
        problems.push(
          `${required.kind} phrase "${required.phrase}" contains forbidden phrase "${forbidden.phrase}"`,
        );
      }
    }
  }
  return problems;
}

/** The handbook's examples; desks replace them with their own list. */
export const DEFAULT_SERVICE_LANGUAGE_RULES: ServiceLanguageRule[] = [
  {
    kind: 'FORBIDDEN',
    language: 'ZH',
    phrase: '这是规定，我有什么办法',
    suggestion: '很抱歉，按照规定需要这样处理，我来帮您看看还有什么办法',
  },
  {
    kind: 'FORBIDDEN',
    language: 'ZH',
    phrase: '你怎么连这个也不懂',
    suggestion: '没关系，我来为您详细说明一下',
  },
  {
    kind: 'FORBIDDEN',
    language: 'ZH',
    phrase: '不是告诉你了',
    suggestion: '可能刚才我没有解释清楚，我再为您说明一下',
  },
  {
    kind: 'FORBIDDEN',
    language: 'ZH',
    phrase: '你到*部门问问吧',
    suggestion: '这个问题我帮您联系相关部门，处理后给您回复',
  },
  {
    kind: 'FORBIDDEN',
    language: 'EN',
    phrase: "That's the rule, there's nothing I can do",
    suggestion: "I'm sorry, the policy requires this; let me see what I can do for you",
  },
  {
    kind: 'FORBIDDEN',
    language: 'EN',
    phrase: 'I already told you',
    suggestion: 'Let me explain that again more clearly',
  },
  {
    kind: 'FORBIDDEN',
    language: 'EN',
    phrase: 'Not my problem',
    suggestion: "I'll make sure this gets resolved for you",
  },
  {
    kind: 'FORBIDDEN',
    language: 'EN',
    phrase: 'Go ask * department',
    suggestion: "I'll contact the right team for you and get back to you",
  },
  { kind: 'GREETING', language: 'ZH', phrase: '您好', suggestion: null },
  { kind: 'GREETING', language: 'EN', phrase: 'Hello', suggestion: null },
  { kind: 'GREETING', language: 'EN', phrase: 'Dear', suggestion: null },
  { kind: 'GREETING', language: 'EN', phrase: 'Hi', suggestion: null },
  { kind: 'CLOSING', language: 'ZH', phrase: '感谢您的耐心', suggestion: null },
  { kind: 'CLOSING', language: 'ZH', phrase: '祝您生活愉快', suggestion: null },
  { kind: 'CLOSING', language: 'ZH', phrase: '谢谢', suggestion: null },
  { kind: 'CLOSING', language: 'EN', phrase: 'Thank you', suggestion: null },
  { kind: 'CLOSING', language: 'EN', phrase: 'Best regards', suggestion: null },
  { kind: 'CLOSING', language: 'EN', phrase: 'Kind regards', suggestion: null },
];
