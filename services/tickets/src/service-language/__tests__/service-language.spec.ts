import {
  checkServiceLanguage,
  DEFAULT_SERVICE_LANGUAGE_RULES,
  normaliseText,
  validateServiceLanguageRules,
  type ServiceLanguageRule,
} from '../service-language';

const rules = DEFAULT_SERVICE_LANGUAGE_RULES;
const forbidden = (text: string) => checkServiceLanguage(text, rules).forbidden.map((match) => match.phrase);

describe('normaliseText', () => {
  it('should fold full-width punctuation, letters and spaces when normalising', () => {
    expect(normaliseText('Ｈｅｌｌｏ，　ＷＯＲＬＤ！')).toBe('hello world');
    expect(normaliseText('这是规定，我有什么办法')).toBe(normaliseText('这是规定, 我有什么办法'));
  });
});

describe('checkServiceLanguage', () => {
  it('should find a forbidden phrase when punctuation is half-width or missing', () => {
    expect(forbidden('您好，这是规定,我有什么办法。谢谢')).toEqual(['这是规定，我有什么办法']);
    expect(forbidden('您好，这是规定我有什么办法')).toEqual(['这是规定，我有什么办法']);
    expect(forbidden('您好，这是规定　我有什么办法')).toEqual(['这是规定，我有什么办法']);
  });

  it('should match the wildcard when a department is named', () => {
    expect(forbidden('您好，你到财务部门问问吧')).toEqual(['你到*部门问问吧']);
    expect(forbidden('您好，你到部门问问吧')).toEqual([]);
  });

  it('should match English case-insensitively and as whole words when the reply is English', () => {
    expect(forbidden('Hello. I ALREADY TOLD YOU, twice.')).toEqual(['I already told you']);
    expect(forbidden('Hello, that’s not my problem')).toEqual(['Not my problem']);
    expect(forbidden('Hello, it is cannot my problems')).toEqual([]);
    expect(forbidden('Go ask the billing department please')).toEqual(['Go ask * department']);
  });

  it('should name the suggested wording when a phrase is forbidden', () => {
    const [match] = checkServiceLanguage('不是告诉你了', rules).forbidden;
    expect(match.suggestion).toBe('可能刚才我没有解释清楚，我再为您说明一下');
  });

  it('should warn, not refuse, when greeting or closing is missing', () => {
    const check = checkServiceLanguage('您的快递明天到。', rules);
    expect(check.forbidden).toEqual([]);
    expect(check.warnings.map((warning) => warning.code)).toEqual(['MISSING_GREETING', 'MISSING_CLOSING']);
    expect(check.warnings[0].language).toBe('ZH');
  });

  it('should hold an English reply to English courtesies when it has no Chinese', () => {
    expect(checkServiceLanguage('Hello, your parcel arrives tomorrow. Kind regards', rules).warnings).toEqual(
      [],
    );
    expect(checkServiceLanguage('Your parcel arrives tomorrow.', rules).warnings[0].expected).toContain(
      'Hello',
    );
  });
});

describe('validateServiceLanguageRules', () => {
  const forbiddenRule: ServiceLanguageRule = {
    kind: 'FORBIDDEN',
    language: 'ZH',
    phrase: '不是告诉你了',
    suggestion: '我再为您说明一下',
  };

  it('should accept the handbook list when validating the defaults', () => {
    expect(validateServiceLanguageRules(rules)).toEqual([]);
  });

  it('should refuse an empty list when no forbidden phrase is given', () => {
    expect(validateServiceLanguageRules([])).toEqual(['the list needs at least one FORBIDDEN phrase']);
  });

  it('should name the phrase when it is both forbidden and required', () => {
    const problems = validateServiceLanguageRules([
      forbiddenRule,
      { kind: 'GREETING', language: 'ZH', phrase: '不是告诉你了！', suggestion: null },
    ]);
    expect(problems).toEqual(['"不是告诉你了！" is both forbidden and required (FORBIDDEN and GREETING)']);
  });

  it('should refuse duplicates, blanks and missing suggestions when validating', () => {
    const problems = validateServiceLanguageRules([
      forbiddenRule,
      { ...forbiddenRule, phrase: '不是告诉你了。' },
      { kind: 'CLOSING', language: 'EN', phrase: ' ，', suggestion: null },
      { kind: 'FORBIDDEN', language: 'EN', phrase: 'whatever', suggestion: null },
    ]);
    expect(problems).toEqual([
      '"不是告诉你了。" is listed twice',
      'a CLOSING phrase is blank',
      'forbidden phrase "whatever" needs a suggested standard wording',
    ]);
  });
});
