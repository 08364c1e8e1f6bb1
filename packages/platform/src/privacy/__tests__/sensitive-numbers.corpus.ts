import type { SensitiveKind } from '../sensitive-numbers';

/** One labelled text: the numbers a correct detector finds in it, in order. */
export interface CorpusCase {
  text: string;
  expected: SensitiveKind[];
  /** What the case is, for failure messages and counts. */
  label: string;
}

const ID = 'NATIONAL_ID' as const;
const CARD = 'BANK_CARD' as const;

// 18-digit IDs with a right check character (last one ends in X) …
const VALID_IDS = [
  '11010519491231002X',
  '310101198506151238',
  '440305199211034560',
  '510107197001017894',
  '330106200012310011',
  '650102198802295679',
  '810000199911112225',
  '11010520150708333X',
];
// … mistyped ones: right region and birth date, wrong check character …
const WRONG_CHECK_IDS = [
  '110105194912310021',
  '310101198506151239',
  '440305199211034561',
  '110105201507083331',
];
// … and the old 15-digit form (YYMMDD).
const OLD_IDS = ['110105491231002', '310101850615123', '440305921103456'];

// Luhn-valid cards of the issuers a Chinese desk sees.
const CARDS = [
  '6228480428370453', // UnionPay debit (ABC), 16
  '6217001234567890122', // UnionPay debit (CCB), 19
  '6225880123456783', // UnionPay credit (CMB), 16
  '4367420123456781', // Visa (CCB), 16
  '5240940123456788', // Mastercard, 16
  '3759876543210017', // Amex-like 16
  '3568001234567895', // JCB, 16
  '30569309025904', // Diners, 14
  '9558801234567890128', // old ICBC domestic, 19
  '6013821234567890', // Discover / domestic, 16
  '2221001234567896', // Mastercard 2-series, 16
  '6214831234563', // 13 digits
  '4111111111111111', // Visa test number
];

type Shape = (digits: string) => string;

const toFullWidth = (text: string) =>
  text.replace(/[0-9A-Za-z]/g, (character) => String.fromCharCode(character.charCodeAt(0) + 0xfee0));
const groups = (digits: string, sizes: number[], separator: string) => {
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= digits.length) break;
    parts.push(digits.slice(at, at + size));
    at += size;
  }
  if (at < digits.length) parts.push(digits.slice(at));
  return parts.join(separator);
};
const fours = (digits: string, separator: string) => groups(digits, Array(5).fill(4), separator);

const CARD_SHAPES: Record<string, Shape> = {
  plain: (digits) => digits,
  spaced: (digits) => fours(digits, ' '),
  dashed: (digits) => fours(digits, '-'),
  dotted: (digits) => fours(digits, '.'),
  slashed: (digits) => fours(digits, '/'),
  'ideographic spaces': (digits) => fours(digits, '\u3000'),
  'full-width': (digits) => toFullWidth(digits),
  'full-width spaced': (digits) => toFullWidth(fours(digits, ' ')),
  'full-width dashed': (digits) => fours(toFullWidth(digits), '\uff0d'),
  'spaced dashes': (digits) => fours(digits, ' - '),
  '6-13 grouping': (digits) => groups(digits, [6], ' '),
  '4-6-5 grouping': (digits) => groups(digits, [4, 6], ' '),
};

const ID_SHAPES: Record<string, Shape> = {
  plain: (id) => id,
  'lower-case x': (id) => id.toLowerCase(),
  'region-birth-sequence': (id) => groups(id, [6, 8], ' '),
  'region-birth-sequence dashed': (id) => groups(id, [6, 8], '-'),
  '3-3-4-4-4 grouping': (id) => groups(id, [3, 3, 4, 4], ' '),
  'full-width': (id) => toFullWidth(id),
  'full-width ideographic spaces': (id) => groups(toFullWidth(id), [6, 8], '\u3000'),
  'dotted by region and date': (id) => groups(id, [6, 4, 2, 2], '.'),
};

const CONTEXTS: Array<(number: string) => string> = [
  (number) => `我的卡号是${number}，请退款`,
  (number) => `身份证：${number}。`,
  (number) => `Please refund to ${number} today.`,
  (number) => `ID number ${number}, thanks`,
  (number) => `客户（${number}）来电`,
  (number) => number,
];

function positiveCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  let context = 0;
  const next = () => CONTEXTS[context++ % CONTEXTS.length];
  for (const [shape, format] of Object.entries(ID_SHAPES)) {
    for (const id of VALID_IDS.slice(0, 4)) {
      cases.push({ text: next()(format(id)), expected: [ID], label: `valid ID, ${shape}` });
    }
  }
  for (const id of VALID_IDS.slice(4))
    cases.push({ text: next()(id), expected: [ID], label: 'valid ID, plain' });
  for (const id of WRONG_CHECK_IDS) {
    cases.push({ text: next()(id), expected: [ID], label: 'ID with a wrong check digit' });
    cases.push({
      text: next()(groups(id, [6, 8], ' ')),
      expected: [ID],
      label: 'grouped ID, wrong check digit',
    });
  }
  for (const id of OLD_IDS) {
    cases.push({ text: next()(id), expected: [ID], label: 'old 15-digit ID' });
    cases.push({ text: next()(groups(id, [6, 6], ' ')), expected: [ID], label: 'old 15-digit ID, grouped' });
  }
  for (const [shape, format] of Object.entries(CARD_SHAPES)) {
    for (const card of CARDS.slice(0, 5)) {
      cases.push({ text: next()(format(card)), expected: [CARD], label: `card, ${shape}` });
    }
  }
  for (const card of CARDS.slice(5)) {
    cases.push({ text: next()(card), expected: [CARD], label: 'card of another issuer' });
    cases.push({ text: next()(fours(card, ' ')), expected: [CARD], label: 'card of another issuer, spaced' });
  }
  cases.push(
    {
      text: 'tel 13800138000 4111 1111 1111 1111',
      expected: [CARD],
      label: 'card right after a phone number',
    },
    {
      text: '请回电 13912345677，退款到卡 6228 4804 2837 0453，身份证 110105 19491231 002X',
      expected: [CARD, ID],
      label: 'phone, card and ID in one sentence',
    },
    {
      text: '卡号6228480428370453和6225880123456783',
      expected: [CARD, CARD],
      label: 'two cards glued to Chinese text',
    },
    {
      text: 'Cards: 4111-1111-1111-1111 and 4367 4201 2345 6781.',
      expected: [CARD, CARD],
      label: 'two cards in an English list',
    },
    {
      text: '身份证号11010519491231002X\n卡号6228480428370453',
      expected: [ID, CARD],
      label: 'ID and card on separate lines',
    },
    {
      text: '退款到卡 ６２２８４８０４２８３７０４５３ 的处理',
      expected: [CARD],
      label: 'full-width card in an article title',
    },
  );
  return cases;
}

const PHONES = [
  '8613900000003', // passes Luhn
  '+86 139 0000 0003',
  '+86 139-1234-5677',
  '8613912345677',
  '+8613912345677',
  '+86 13912345677',
  '0086 139 1234 5677',
  '0086-139-1234-5677',
  '86 139 1234 5677',
  '139 1234 5677',
  '139-1234-5677',
  '13912345677',
  '139.1234.5677',
  '(010) 6552 9988',
  '010-65529988',
  '+86 10 6552 9988',
  '+86 (10) 6552-9988',
  '021 6123 4567',
  '0755-8888 6666',
  '400-800-8888',
  '95588',
  '+1 (415) 555-2671',
  '+44 20 7946 0958',
  '+49 1512 3456789',
  '+49 1512 1000009', // Luhn-valid with a Visa prefix: a card without its `+`
  '0049 1512 1000017', // the same kind, with the international prefix
  '+852 6123 4567',
  '+81 3-1234-5678',
  '＋８６　１３９　１２３４　５６７７',
  '１３９１２３４５６７７',
];

function phoneCases(): CorpusCase[] {
  return PHONES.flatMap((phone, index) => [
    { text: phone, expected: [], label: 'phone number alone' },
    {
      text: index % 2 === 0 ? `请回电 ${phone} 谢谢` : `Call me back on ${phone}, please.`,
      expected: [],
      label: 'phone number in a sentence',
    },
  ]);
}

const NEGATIVES: Array<[string, string]> = [
  ['order number', '订单号 202611290001234567'],
  ['order number', 'Order #1234567890123456 shipped'],
  ['order number', '订单编号：3214567890123456789'],
  ['order number', '淘宝订单 1234567890123456789'],
  ['order number', 'order ORD6228480428370453 was refunded'],
  ['order number', 'PO-2026-000123-4567'],
  ['tracking number', '顺丰运单 SF1234567890123'],
  ['tracking number', '圆通 YT8812345678901'],
  ['tracking number', '京东 JDVA12345678901'],
  ['tracking number', '中通 73100012345678'],
  ['tracking number', 'EMS EA123456789CN'],
  ['tracking number', 'UPS 1Z999AA10123456784'],
  ['amount', '¥12,345,678.90'],
  ['amount', '金额 1234567.89 元'],
  ['amount', 'USD 9,999,999,999.99'],
  ['amount', '共计 12345678901 元'],
  ['amount', 'refund 1,000,000.00 CNY to the customer'],
  ['date', '2024-01-15'],
  ['date', '2024/01/15 14:30:00'],
  ['date', '2024.01.15 - 2024.02.20'],
  ['date', '15/01/2024 - 16/01/2024'],
  ['date', '20240115'],
  ['date', '2024年1月15日至2025年12月31日'],
  ['date', 'from 2026-11-29 to 2026-12-31'],
  ['timestamp', '1732870000000'],
  ['timestamp', '2026-11-29T10:00:00.123Z'],
  ['timestamp', '1732870000'],
  ['timestamp', '20261129100000123'],
  ['timestamp', 'at 2026-11-29 10:00:00.123456 +08:00'],
  ['UUID', '550e8400-e29b-41d4-a716-446655440000'],
  ['UUID', '12345678-1234-5678-9012-345678901234'],
  ['UUID', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'],
  ['UUID', 'ticket 00000000-0000-4000-8000-622848042837'],
  ['IBAN', 'DE89 3704 0044 0532 0130 00'],
  ['IBAN', 'GB82WEST12345698765432'],
  ['IBAN', 'GB82 WEST 1234 5698 7654 32'],
  ['IBAN', 'FR14 2004 1010 0505 0001 3M02 606'],
  ['IBAN', 'IBAN: NL91 ABNM 0417 1643 00'],
  ['card failing Luhn', '卡号 6228480428370454'],
  ['card failing Luhn', '4111 1111 1111 1112'],
  ['too short for a card', '卡号尾号 622848042837'],
  ['too long for a card', '62284804283704531234'],
  ['no issuer prefix', '1234567890123456 passes nothing'],
  ['no issuer prefix', '8800000000000000'],
  ['ID with an impossible date', '110105194913310021'],
  ['ID with an unknown region', '990105194912310021'],
  ['ID born in the future', '110105299912310021'],
  ['ticket number', 'ticket 202611-001 and 202611-1000'],
  ['version', 'version 1.2.3.4.5.6.7'],
  ['IP address', '192.168.100.200'],
  ['masked card', '卡号 **** **** **** 0453'],
  ['masked ID', '身份证 **************002X'],
  ['short numbers', '房间 1203，工号 10086，邮编 100101'],
  ['no digits', '您好，请问有什么可以帮您？'],
];

function negativeCases(): CorpusCase[] {
  return NEGATIVES.map(([label, text]) => ({ text, expected: [], label }));
}

/** All labelled cases: IDs and cards in every shape, phones, and look-alikes that are neither. */
export const CORPUS: CorpusCase[] = [...positiveCases(), ...phoneCases(), ...negativeCases()];
