import fc from 'fast-check';
import {
  findSensitiveNumbers,
  isPlausibleCardNumber,
  isPlausibleNationalId,
  maskSensitiveText,
  normaliseForDetection,
  passesLuhn,
} from '../sensitive-numbers';
import { CORPUS } from './sensitive-numbers.corpus';

const digitsOf = (text: string) => normaliseForDetection(text).replace(/[^0-9Xx]/g, '');

describe('the labelled corpus', () => {
  it('should hold at least 150 cases, positive and negative', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
    expect(CORPUS.filter((entry) => entry.expected.length > 0).length).toBeGreaterThan(50);
    expect(CORPUS.filter((entry) => entry.expected.length === 0).length).toBeGreaterThan(50);
  });

  it('should find exactly the labelled numbers: no false positive, no false negative', () => {
    const falsePositives: string[] = [];
    const falseNegatives: string[] = [];
    for (const entry of CORPUS) {
      const found = findSensitiveNumbers(entry.text).map((match) => match.kind);
      const missing = [...entry.expected];
      for (const kind of found) {
        const at = missing.indexOf(kind);
        if (at >= 0) missing.splice(at, 1);
        else falsePositives.push(`${entry.label}: ${entry.text} (${kind})`);
      }
      for (const kind of missing) falseNegatives.push(`${entry.label}: ${entry.text} (${kind})`);
    }
    // The figures stated in the tickets and knowledge READMEs.
    console.log(
      `corpus: ${CORPUS.length} cases, ${falsePositives.length} false positives, ${falseNegatives.length} false negatives`,
    );
    expect({ falsePositives, falseNegatives }).toEqual({ falsePositives: [], falseNegatives: [] });
  });

  it('should keep separators and the last four digits, and leave no original digits readable', () => {
    for (const entry of CORPUS) {
      const { text, maskedCount } = maskSensitiveText(entry.text);
      expect({ label: entry.label, maskedCount }).toEqual({
        label: entry.label,
        maskedCount: entry.expected.length,
      });
      expect(text).toHaveLength(entry.text.length);
      if (entry.expected.length === 0) {
        expect(text).toBe(entry.text);
        continue;
      }
      // Only digits changed, each to '*'.
      for (let index = 0; index < text.length; index++) {
        if (text[index] !== entry.text[index]) {
          expect(digitsOf(entry.text[index])).toHaveLength(1);
          expect(text[index]).toBe('*');
        }
      }
      for (const { start, end } of findSensitiveNumbers(entry.text)) {
        const span = digitsOf(text.slice(start, end));
        expect(span.replace(/\*/g, '')).toBe(digitsOf(entry.text.slice(start, end)).slice(-4));
      }
    }
  });

  it('should keep the shape the tickets service always returned', () => {
    expect(maskSensitiveText('我的身份证号是11010519491231002X，请处理').text).toBe(
      '我的身份证号是**************002X，请处理',
    );
    expect(maskSensitiveText('Cards: 4111-1111-1111-1111 and 4111 1111 1111 1111.').text).toBe(
      'Cards: ****-****-****-1111 and **** **** **** 1111.',
    );
    expect(maskSensitiveText('卡号６２２８４８０４２８３７０４５３').text).toBe('卡号************０４５３');
    expect(maskSensitiveText('请回电 +86 139-1234-5677 或 8613912345677').text).toBe(
      '请回电 +86 139-1234-5677 或 8613912345677',
    );
  });
});

describe('the checks', () => {
  it('should accept an ID whatever its check character, but only with a real region and birth date', () => {
    expect(isPlausibleNationalId('11010519491231002X')).toBe(true);
    expect(isPlausibleNationalId('110105194912310021')).toBe(true);
    expect(isPlausibleNationalId('11010519491331002X')).toBe(false);
    expect(isPlausibleNationalId('00010519491231002X')).toBe(false);
    expect(isPlausibleNationalId('110105490229002')).toBe(false); // 1949 was no leap year
    expect(isPlausibleNationalId('110105480229002')).toBe(true);
  });

  it('should accept Luhn-valid cards with an issuer prefix only', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(isPlausibleCardNumber('4111111111111112')).toBe(false);
    // +86 and a mobile number passes Luhn about one time in ten; 8 is no issuer prefix.
    expect(passesLuhn('8613900000003')).toBe(true);
    expect(isPlausibleCardNumber('8613900000003')).toBe(false);
    expect(isPlausibleCardNumber('6228480428370453')).toBe(true);
  });
});

const shapes = (digits: string) =>
  fc.constantFrom(
    digits,
    digits.replace(/(\d{4})(?=\d)/g, '$1 '),
    digits.replace(/(\d{4})(?=\d)/g, '$1-'),
    digits.replace(/\d/g, (digit) => String.fromCharCode(digit.charCodeAt(0) + 0xfee0)),
  );
const piece = fc.oneof(
  fc
    .constantFrom('11010519491231002X', '110105194912310021', '6228480428370453', '4111111111111111')
    .chain(shapes),
  fc.constantFrom('+86 139-1234-5677', '8613912345677', '0086 139 1234 5677', '(010) 6552 9988'),
  fc.stringMatching(/^[0-9]{1,20}$/),
  fc.stringMatching(/^[0-9 \-./]{1,30}$/),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('卡号', '身份证', '，', ' ', '\u3000', 'card'),
);
const texts = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(''));

describe('properties', () => {
  it('should leave no detectable number in masked text', () => {
    fc.assert(
      fc.property(texts, (text) => {
        expect(findSensitiveNumbers(maskSensitiveText(text).text)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('should change nothing when masking twice, and never change the length', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const once = maskSensitiveText(text).text;
        expect(once).toHaveLength(text.length);
        expect(maskSensitiveText(once).text).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('should leave text without digits unchanged', () => {
    const noDigits = fc
      .string({ unit: 'grapheme', maxLength: 60 })
      .filter((text) => !/[0-9０-９]/.test(text));
    fc.assert(
      fc.property(noDigits, (text) => {
        expect(maskSensitiveText(text)).toEqual({ text, maskedCount: 0 });
      }),
      { numRuns: 500 },
    );
  });

  it('should never mask a phone number written among other text', () => {
    const phone = fc.constantFrom(
      '+86 139-1234-5677',
      '8613912345677',
      '0086 139 1234 5677',
      '+44 20 7946 0958',
    );
    const words = fc.string({ maxLength: 10 }).filter((text) => !/[0-9０-９+]/.test(text));
    fc.assert(
      fc.property(words, phone, words, (before, number, after) => {
        const text = `${before} ${number} ${after}`;
        expect(maskSensitiveText(text).text).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
