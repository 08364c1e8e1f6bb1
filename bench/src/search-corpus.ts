import { randomUUID } from 'node:crypto';
import { seededRandom } from '@deskgraph/platform';

// Generated bilingual knowledge articles for the search benchmark. Each
// article has a Chinese and an English part, like many desks' standard
// answers. Words come from two sources:
// - a head of desk vocabulary, each term in a fixed share of the articles,
//   so 退款 and refund match about half of the corpus as on a real desk;
// - a long tail of generated words drawn from a Zipf distribution, so most
//   words are rare and a few hundred are common.
// Some articles carry product, app and order names written against Han
// (iPhone订单, Mate60无法开机), as customers type them.

/** Share of articles that contain each head term (in the Chinese or the English part). */
export const HEAD_TERMS: { zh: [string, number][]; en: [string, number][] } = {
  zh: [
    ['退款', 0.53],
    ['订单', 0.5],
    ['物流', 0.35],
    ['发票', 0.3],
    ['密码', 0.26],
    ['退货', 0.22],
    ['配送延迟', 0.2],
    ['会员', 0.15],
    ['优惠券', 0.12],
    ['售后', 0.1],
    ['账户', 0.08],
  ],
  en: [
    ['refund', 0.55],
    ['delivery delayed', 0.45],
    ['order', 0.4],
    ['invoice', 0.28],
    ['password', 0.22],
    ['account', 0.15],
    ['coupon', 0.12],
    ['warranty', 0.08],
  ],
};

/**
 * Courtesy words of the body only (never in a title, summary or tag), each in a
 * fixed share of the articles: common terms that the head postings do not hold.
 * Drawn from their own random stream, so the rest of the corpus is unchanged.
 */
export const BODY_ONLY_TERMS: [string, number][] = [
  ['您好', 0.4],
  ['please', 0.4],
];

/** Product and app names written against Han, each in a few percent of articles. */
const MIXED_PHRASES: [string, number][] = [
  ['您的iPhone订单需要退货退款', 0.04],
  ['Mate60无法开机', 0.02],
  ['微信支付APP提示失败', 0.03],
  ['订单号ABC123查询', 0.005],
  ['iPad平板', 0.02],
];

const ZH_CHARACTERS =
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质';
const EN_SYLLABLES = [
  'ca',
  'lo',
  'ver',
  'sta',
  'mi',
  'pro',
  'tek',
  'ran',
  'dor',
  'fi',
  'gu',
  'bel',
  'sen',
  'tri',
  'mo',
  'lex',
  'nor',
  'pa',
  'quin',
  'zu',
];

/** A Zipf(s) sampler over ranks 0..size-1 by binary search in the cumulative weights. */
function zipfSampler(size: number, exponent: number, random: () => number): () => number {
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let rank = 0; rank < size; rank++) {
    total += 1 / Math.pow(rank + 1, exponent);
    cumulative[rank] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = size - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle] < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

export interface GeneratedArticle {
  id: string;
  title: string;
  summary: string;
  body: string;
  tags: string[];
  locale: string;
  categoryId: string;
}

const CATEGORIES = ['product', 'service', 'delivery', 'transaction', 'technical'];
export const TAIL_SIZE = 20_000;

export class CorpusGenerator {
  private readonly random: () => number;
  private readonly bodyRandom: () => number;
  private readonly tail: () => number;
  readonly zhTail: string[] = [];
  readonly enTail: string[] = [];

  constructor(seed = 42) {
    this.random = seededRandom(seed);
    this.bodyRandom = seededRandom(seed + 1);
    this.tail = zipfSampler(TAIL_SIZE, 1.05, this.random);
    const characters = Array.from(ZH_CHARACTERS);
    for (let rank = 0; rank < TAIL_SIZE; rank++) {
      // Distinct two-character words and three-syllable English words, one per rank.
      // Scattered over the character table so frequent words do not share a character.
      this.zhTail.push(
        characters[(rank * 7919) % characters.length] +
          characters[(rank * 104_729 + Math.floor(rank / characters.length)) % characters.length],
      );
      const a = EN_SYLLABLES[rank % 20];
      const b = EN_SYLLABLES[Math.floor(rank / 20) % 20];
      const c = EN_SYLLABLES[Math.floor(rank / 400) % 20];
      this.enTail.push(`${a}${b}${c}`);
    }
  }

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  article(): GeneratedArticle {
    const zhWords: string[] = [];
    const enWords: string[] = [];
    const zhTitle: string[] = [];
    const enTitle: string[] = [];
    for (const [term, share] of HEAD_TERMS.zh) {
      if (this.random() < share) {
        zhWords.push(term);
        if (this.random() < 0.15) zhTitle.push(term);
      }
    }
    for (const [term, share] of HEAD_TERMS.en) {
      if (this.random() < share) {
        enWords.push(term);
        if (this.random() < 0.15) enTitle.push(term);
      }
    }
    for (const [phrase, share] of MIXED_PHRASES) {
      if (this.random() < share) {
        zhWords.push(phrase);
        if (this.random() < 0.3) zhTitle.push(phrase);
      }
    }
    const length = 60 + Math.floor(this.random() * 80);
    for (let index = 0; index < length; index++) {
      const rank = this.tail();
      zhWords.push(this.zhTail[rank]);
      enWords.push(this.enTail[this.tail()]);
    }
    // Shuffle head terms into the tail words.
    for (const words of [zhWords, enWords]) {
      for (let index = words.length - 1; index > 0; index--) {
        const other = Math.floor(this.random() * (index + 1));
        [words[index], words[other]] = [words[other], words[index]];
      }
    }
    zhTitle.push(this.zhTail[this.tail()], this.zhTail[this.tail()]);
    enTitle.push(this.enTail[this.tail()]);
    const sentences = (words: string[], size: number, join: string, stop: string) => {
      const out: string[] = [];
      for (let index = 0; index < words.length; index += size) {
        out.push(words.slice(index, index + size).join(join) + stop);
      }
      return out.join(join === '' ? '' : ' ');
    };
    const courtesy = BODY_ONLY_TERMS.filter(([, share]) => this.bodyRandom() < share).map(([term]) => term);
    const zh = (courtesy.includes('您好') ? '您好，' : '') + sentences(zhWords, 8, '', '。');
    const en =
      (courtesy.includes('please') ? 'Hello, please read on. ' : '') + sentences(enWords, 10, ' ', '.');
    return {
      id: randomUUID(),
      title: `${zhTitle.join('')} ${enTitle.join(' ')}`,
      summary: `${zhWords.slice(0, 6).join('')}。${enWords.slice(0, 8).join(' ')}.`,
      body: `${zh}\n\n${en}`,
      tags: [this.pick(['consultation', 'complaint', 'faq', 'howto']), this.pick(CATEGORIES)],
      locale: this.random() < 0.6 ? 'zh-CN' : 'en',
      categoryId: this.pick(CATEGORIES),
    };
  }
}
