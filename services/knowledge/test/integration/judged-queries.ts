// A small judged set for search relevance: a bilingual corpus with articles
// that answer a question (the term in title and summary) and articles that
// only mention it in passing, and for each query the articles a desk agent
// would expect first. Shared by the relevance test; precision@5 is reported
// before and after ranking changes (see the knowledge README).

export interface JudgedArticle {
  key: string;
  title: string;
  summary: string;
  body: string;
  locale: string;
}

export interface JudgedQuery {
  query: string;
  kind: 'zh' | 'en' | 'mixed';
  /** The articles that must come first (any order among them). */
  relevant: string[];
}

const zh = (key: string, title: string, summary: string, body: string): JudgedArticle => ({
  key,
  title,
  summary,
  body,
  locale: 'zh-CN',
});
const en = (key: string, title: string, summary: string, body: string): JudgedArticle => ({
  key,
  title,
  summary,
  body,
  locale: 'en',
});

export const JUDGED_ARTICLES: JudgedArticle[] = [
  zh(
    'z-refund',
    '如何申请退款',
    '在订单详情页申请退款，三个工作日内原路退回。',
    '退款步骤：进入订单详情页，点击申请退款，填写原因后提交。退款将原路退回。',
  ),
  zh(
    'z-refund-time',
    '退款多久到账',
    '退款审核通过后一般三到五个工作日到账。',
    '退款到账时间取决于支付渠道：微信支付一般即时到账，银行卡三到五个工作日。',
  ),
  zh(
    'z-return-refund',
    '退货退款流程',
    '先退货，仓库签收后退款。',
    '申请退货退款后，请在七天内寄回商品。仓库签收并检验后，系统自动发起退款。',
  ),
  zh(
    'z-invoice',
    '如何开具发票',
    '在订单详情页申请开具电子发票。',
    '订单完成后可申请发票，电子发票将发送到您的邮箱。',
  ),
  zh(
    'z-vat-invoice',
    '增值税专用发票申请',
    '企业客户可申请增值税专用发票。',
    '提交营业执照与开票信息，审核后邮寄增值税专用发票。',
  ),
  zh(
    'z-logistics',
    '物流信息查询',
    '在订单详情页查看物流轨迹。',
    '发货后可以查看物流信息，如物流长时间未更新，请联系客服。',
  ),
  zh(
    'z-delay',
    '配送延迟怎么办',
    '配送延迟时可申请催单或补偿。',
    '因天气或节假日导致配送延迟，我们会主动通知。超过承诺时效可申请补偿。',
  ),
  zh(
    'z-password',
    '忘记密码如何重置',
    '通过手机验证码重置登录密码。',
    '在登录页点击忘记密码，输入手机号获取验证码后设置新密码。',
  ),
  zh(
    'z-pay-password',
    '修改支付密码',
    '在安全中心修改支付密码。',
    '支付密码用于确认付款，请在安全中心验证身份后修改。',
  ),
  zh(
    'z-address',
    '修改收货地址',
    '发货前可在订单详情页修改收货地址。',
    '订单发货前可以修改收货地址，发货后请联系快递员。',
  ),
  zh(
    'm-iphone-order',
    'iPhone订单退货退款说明',
    '您的iPhone订单需要退货退款时请看这里。',
    '您的iPhone订单需要退货退款，请保持包装完整并在七天内寄回。',
  ),
  zh(
    'm-wechat-app',
    '微信支付APP无法付款',
    '微信支付APP提示错误时的处理办法。',
    '如果微信支付APP提示支付失败，请更新APP到最新版本后重试。',
  ),
  zh(
    'm-mate60',
    'Mate60无法开机怎么办',
    'Mate60手机无法开机时先尝试强制重启。',
    '长按电源键十秒强制重启Mate60，仍无法开机请送修。',
  ),
  zh(
    'm-order-no',
    '订单号ABC123格式说明',
    '订单号由字母和数字组成，例如ABC123。',
    '在我的订单中可以找到订单号，例如订单号ABC123。',
  ),
  en(
    'e-refund',
    'How refunds are processed',
    'Refunds are paid back to the original payment method.',
    'Refunds are processed within three business days after the request is approved.',
  ),
  en(
    'e-refund-status',
    'Check your refund status',
    'Track a refund from your order page.',
    'Open the order and select Refund status to see where your refund is.',
  ),
  en(
    'e-invoice',
    'Request an invoice',
    'Download a VAT invoice for any completed order.',
    'Invoices are available for completed orders. Company customers can request a VAT invoice.',
  ),
  en(
    'e-delivery-delayed',
    'Delivery delayed: what to do',
    'When a delivery is delayed we tell you and you can ask for compensation.',
    'Deliveries can be delayed by weather or holidays. If your delivery is delayed beyond the promised date, you can claim compensation.',
  ),
  en(
    'e-track',
    'Track your delivery',
    'Follow your parcel on the order page.',
    'Once shipped, the tracking number shows the delivery progress.',
  ),
  en(
    'e-password',
    'Reset your password',
    'Reset a forgotten password with a code sent to your phone.',
    'Choose Forgot password on the sign-in page, enter the code we send and pick a new password.',
  ),
  en(
    'e-address',
    'Change the delivery address',
    'Change the address before the order ships.',
    'You can change the delivery address until the order has shipped.',
  ),
  en(
    'e-iphone-battery',
    'iPhone battery replacement',
    'Replace an iPhone battery at a service point.',
    'Bring your iPhone to a service point; battery replacement takes about an hour.',
  ),
  // Articles that only mention the terms in passing.
  zh(
    'd-points',
    '会员积分规则',
    '',
    '积分可以抵扣运费，但退款时积分不退回。订单取消后积分返还，物流费用另计。',
  ),
  zh('d-coupons', '优惠券使用说明', '', '优惠券部分不能开具发票，退款后优惠券不返还，修改密码不影响优惠券。'),
  zh('d-hours', '客服工作时间', '', '客服工作时间为每天九点到二十一点，退款、发票、物流、密码问题均可咨询。'),
  zh(
    'd-trade-in',
    '手机以旧换新',
    '',
    '支持iPhone、Mate60等机型以旧换新，订单完成后补贴到账，订单号可在APP查看。',
  ),
  zh(
    'd-app-update',
    'APP版本更新',
    '',
    '请在应用商店更新APP，微信支付需要最新版本，更新后无法登录请重置密码。',
  ),
  en(
    'd-points-en',
    'Loyalty points',
    '',
    'Points are not refunded when an order is refunded. A delivery fee may apply and the address cannot be changed.',
  ),
  en(
    'd-gift-cards',
    'Gift cards',
    '',
    'Gift cards cannot be refunded and cannot pay a delivery fee. Keep your password safe and request an invoice from the seller.',
  ),
  en(
    'd-hours-en',
    'Customer service hours',
    '',
    'We answer questions about refunds, invoices, delayed delivery, iPhone orders and passwords every day from 9 to 21.',
  ),
];

/**
 * Bodies that mention every judged term once, in passing: stored many times
 * before the judged articles, they outnumber the ranking candidates.
 */
export const PASSING_MENTIONS: Omit<JudgedArticle, 'key'>[] = [
  {
    title: '客服常见问题汇总',
    summary: '',
    body: '常见问题：退款、发票、物流、密码、退货退款、收货地址、iPhone订单、微信支付APP、Mate60无法开机、订单号ABC123。',
    locale: 'zh-CN',
  },
  {
    title: 'Frequently asked questions',
    summary: '',
    body: 'Questions we hear: refund, invoice, delivery delayed, reset password, change address, iPhone.',
    locale: 'en',
  },
];

export const JUDGED_QUERIES: JudgedQuery[] = [
  { query: '退款', kind: 'zh', relevant: ['z-refund', 'z-refund-time', 'z-return-refund'] },
  { query: '发票', kind: 'zh', relevant: ['z-invoice', 'z-vat-invoice'] },
  { query: '物流', kind: 'zh', relevant: ['z-logistics'] },
  { query: '密码', kind: 'zh', relevant: ['z-password', 'z-pay-password'] },
  { query: '退货退款', kind: 'zh', relevant: ['z-return-refund', 'm-iphone-order'] },
  { query: '收货地址', kind: 'zh', relevant: ['z-address'] },
  { query: 'refund', kind: 'en', relevant: ['e-refund', 'e-refund-status'] },
  { query: 'invoice', kind: 'en', relevant: ['e-invoice'] },
  { query: 'delivery delayed', kind: 'en', relevant: ['e-delivery-delayed'] },
  { query: 'reset password', kind: 'en', relevant: ['e-password'] },
  { query: 'change address', kind: 'en', relevant: ['e-address'] },
  { query: 'iPhone', kind: 'mixed', relevant: ['e-iphone-battery', 'm-iphone-order'] },
  { query: 'iPhone订单', kind: 'mixed', relevant: ['m-iphone-order'] },
  { query: '微信支付APP', kind: 'mixed', relevant: ['m-wechat-app'] },
  { query: 'Mate60无法开机', kind: 'mixed', relevant: ['m-mate60'] },
  { query: '订单号ABC123', kind: 'mixed', relevant: ['m-order-no'] },
];

/** Relevant articles among the first five, out of as many as could be there (min(5, relevant)). */
export function precisionAt5(rankedKeys: string[], relevant: string[]): number {
  const top = rankedKeys.slice(0, 5);
  return top.filter((key) => relevant.includes(key)).length / Math.min(5, relevant.length);
}
