import fc from 'fast-check';
import { isValidMainlandId, maskSensitiveText, passesLuhn } from '../masking';

describe('national ID numbers', () => {
  it('should accept a number whose MOD 11-2 check character and birth date are right', () => {
    expect(isValidMainlandId('11010519491231002X')).toBe(true);
    expect(isValidMainlandId('11010519491231002x')).toBe(true);
  });

  it('should reject a wrong check character, an impossible birth date or a wrong length', () => {
    expect(isValidMainlandId('110105194912310021')).toBe(false);
    expect(isValidMainlandId('11010519491331002X')).toBe(false);
    expect(isValidMainlandId('1101051949123100')).toBe(false);
  });
});

describe('Luhn check', () => {
  it('should accept valid card numbers and reject altered ones', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
  });
});

describe('maskSensitiveText', () => {
  it('should mask an ID inside Chinese text with no spaces around it', () => {
    const { text, maskedCount } = maskSensitiveText('我的身份证号是11010519491231002X，请处理');

    expect(text).toBe('我的身份证号是**************002X，请处理');
    expect(maskedCount).toBe(1);
  });

  it('should mask grouped and plain card numbers keeping separators and the last four digits', () => {
    const { text, maskedCount } = maskSensitiveText(
      'Cards: 4111-1111-1111-1111 and 4111 1111 1111 1111 and 4111111111111111.',
    );

    expect(text).toBe('Cards: ****-****-****-1111 and **** **** **** 1111 and ************1111.');
    expect(maskedCount).toBe(3);
  });

  it('should find a card written right after another number', () => {
    expect(maskSensitiveText('tel 13800138000 4111 1111 1111 1111').text).toBe(
      'tel 13800138000 **** **** **** 1111',
    );
  });

  it('should leave phone numbers and digit runs that fail the checksums untouched', () => {
    const input = 'Call 13800138000, order 4111111111111112, ref 110105194912310021';

    expect(maskSensitiveText(input)).toEqual({ text: input, maskedCount: 0 });
  });

  it('should be idempotent and never change the length of the text', () => {
    const pieces = fc.oneof(
      fc.constant('11010519491231002X'),
      fc.constant('4111 1111 1111 1111'),
      fc.constant('13800138000'),
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^\d{10,20}$/),
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 6 }), (parts) => {
        const text = parts.join(' ');
        const once = maskSensitiveText(text).text;
        expect(once).toHaveLength(text.length);
        expect(maskSensitiveText(once).text).toBe(once);
      }),
      { numRuns: 300 },
    );
  });
});
