// The demo desk's fixed data: queues, people, rules, calendar, knowledge.
// Every name is made up; phone numbers use the unallocated 100 prefix, so
// none can reach a real person.

export interface SeedQueue {
  id: string;
  name: string;
  /** A supervisor's user id; P0/P1 tickets of the queue notify them. */
  dutyManagerId: string;
}

export const QUEUES: SeedQueue[] = [
  { id: 'presales', name: '售前', dutyManagerId: 'sup-zhou-mingyuan' },
  { id: 'aftersales', name: '售后', dutyManagerId: 'sup-zhou-mingyuan' },
  { id: 'tech-support', name: '技术支持', dutyManagerId: 'sup-he-jingyi' },
  { id: 'complaints', name: '投诉', dutyManagerId: 'sup-he-jingyi' },
];

export interface SeedSupervisor {
  id: string;
  displayName: string;
  queueIds: string[];
}

export const SUPERVISORS: SeedSupervisor[] = [
  { id: 'sup-zhou-mingyuan', displayName: '周明远', queueIds: ['presales', 'aftersales'] },
  { id: 'sup-he-jingyi', displayName: '何静怡', queueIds: ['tech-support', 'complaints'] },
];

/** Desk-time-zone (Asia/Shanghai) working hours of a shift. */
export interface Shift {
  id: 'early' | 'late';
  startHour: number;
  endHour: number;
}

export const SHIFTS: Record<Shift['id'], Shift> = {
  early: { id: 'early', startHour: 8, endHour: 16 },
  late: { id: 'late', startHour: 14, endHour: 22 },
};

export interface SeedAgent {
  id: string;
  displayName: string;
  queueIds: string[];
  shift: Shift['id'];
  /** Available for automatic assignment now (the late shift is off in the morning, one is on leave). */
  available: boolean;
}

export const AGENTS: SeedAgent[] = [
  { id: 'agent-lin-xiaoyu', displayName: '林晓雨', queueIds: ['presales'], shift: 'early', available: true },
  { id: 'agent-song-yifan', displayName: '宋一帆', queueIds: ['presales'], shift: 'late', available: true },
  {
    id: 'agent-tang-ruoxi',
    displayName: '唐若溪',
    queueIds: ['aftersales'],
    shift: 'early',
    available: true,
  },
  {
    id: 'agent-fang-zhiyuan',
    displayName: '方致远',
    queueIds: ['aftersales', 'presales'],
    shift: 'late',
    available: true,
  },
  {
    id: 'agent-qiao-anning',
    displayName: '乔安宁',
    queueIds: ['aftersales'],
    shift: 'early',
    available: false,
  },
  {
    id: 'agent-lu-chenxi',
    displayName: '陆晨曦',
    queueIds: ['tech-support'],
    shift: 'early',
    available: true,
  },
  {
    id: 'agent-maya-fernwood',
    displayName: 'Maya Fernwood',
    queueIds: ['tech-support'],
    shift: 'late',
    available: true,
  },
  {
    id: 'agent-bai-shuning',
    displayName: '白书宁',
    queueIds: ['tech-support', 'aftersales'],
    shift: 'late',
    available: true,
  },
  {
    id: 'agent-cao-yuhang',
    displayName: '曹宇航',
    queueIds: ['complaints'],
    shift: 'early',
    available: true,
  },
  {
    id: 'agent-owen-hartley',
    displayName: 'Owen Hartley',
    queueIds: ['complaints'],
    shift: 'late',
    available: true,
  },
];

export interface SeedCustomer {
  id: string;
  name: string;
  type: 'INDIVIDUAL' | 'ENTERPRISE';
  tier: 'KEY' | 'STANDARD';
  region: string;
  /** Fictitious: 100 is not an allocated mobile prefix in China. */
  contact: string;
  /** Writes to the desk in this language. */
  language: 'zh' | 'en';
}

const CUSTOMER_NAMES: [string, 'zh' | 'en', 'INDIVIDUAL' | 'ENTERPRISE'][] = [
  ['顾清和', 'zh', 'INDIVIDUAL'],
  ['许听澜', 'zh', 'INDIVIDUAL'],
  ['邵星野', 'zh', 'INDIVIDUAL'],
  ['温若岚', 'zh', 'INDIVIDUAL'],
  ['苏木白', 'zh', 'INDIVIDUAL'],
  ['孟夏至', 'zh', 'INDIVIDUAL'],
  ['江初晴', 'zh', 'INDIVIDUAL'],
  ['纪远舟', 'zh', 'INDIVIDUAL'],
  ['秦月笙', 'zh', 'INDIVIDUAL'],
  ['沈知秋', 'zh', 'INDIVIDUAL'],
  ['严松涛', 'zh', 'INDIVIDUAL'],
  ['柳青禾', 'zh', 'INDIVIDUAL'],
  ['云帆科技有限公司', 'zh', 'ENTERPRISE'],
  ['青石桥贸易有限公司', 'zh', 'ENTERPRISE'],
  ['北辰物联有限公司', 'zh', 'ENTERPRISE'],
  ['Harper Quillon', 'en', 'INDIVIDUAL'],
  ['Nadia Brightwater', 'en', 'INDIVIDUAL'],
  ['Felix Ambermoor', 'en', 'INDIVIDUAL'],
  ['Lena Marchetti-Vale', 'en', 'INDIVIDUAL'],
  ['Tobias Wrenfield', 'en', 'INDIVIDUAL'],
  ['Orchid Lane Studios Ltd', 'en', 'ENTERPRISE'],
  ['Kestrel Freight GmbH', 'en', 'ENTERPRISE'],
];

const REGIONS = ['CN-GD', 'CN-SH', 'CN-BJ', 'CN-ZJ', 'CN-SC', 'CN-JS', 'HK', 'SG'];

export const CUSTOMERS: SeedCustomer[] = CUSTOMER_NAMES.map(([name, language, type], index) => ({
  id: `DEMO-C-${String(index + 1).padStart(3, '0')}`,
  name,
  type,
  // Enterprises and every fifth person are key customers (大客户), so tracking visits and key figures fill.
  tier: type === 'ENTERPRISE' || index % 5 === 0 ? 'KEY' : 'STANDARD',
  region: REGIONS[index % REGIONS.length],
  contact: `100-0000-${String(1000 + index).padStart(4, '0')}`,
  language,
}));

/** Added to (or replacing by id) the desk's keyword rules. */
export const CLASSIFICATION_RULES = [
  {
    id: 'demo-delivery-delay',
    category: 'delivery',
    keywords: ['没收到', '延迟发货', '还没到', 'not arrived', 'late delivery', 'tracking number'],
    weight: 2,
  },
  {
    id: 'demo-billing',
    category: 'transaction',
    keywords: ['重复扣款', '多扣', '发票抬头', 'double charged', 'charged twice', 'receipt'],
    weight: 2,
  },
  {
    id: 'demo-presales',
    type: 'CONSULTATION' as const,
    category: 'product',
    keywords: ['报价', '试用', '套餐', 'pricing', 'trial', 'quote', 'plan comparison'],
  },
  {
    id: 'demo-security',
    priority: 'P1' as const,
    keywords: ['账号被盗', '异地登录', 'account hacked', 'suspicious login'],
  },
];

/** First match wins: complaints first, then faults, then by category. */
export const ROUTING_RULES = [
  { id: 'demo-complaints', type: 'COMPLAINT', queueId: 'complaints' },
  { id: 'demo-faults', type: 'FAULT_REPORT', queueId: 'tech-support' },
  { id: 'demo-technical', category: 'technical', queueId: 'tech-support' },
  { id: 'demo-consultation', type: 'CONSULTATION', queueId: 'presales' },
  { id: 'demo-product', category: 'product', queueId: 'presales' },
  { id: 'demo-delivery', category: 'delivery', queueId: 'aftersales' },
  { id: 'demo-transaction', category: 'transaction', queueId: 'aftersales' },
  { id: 'demo-service-request', type: 'SERVICE_REQUEST', queueId: 'aftersales' },
];

/** Added to the desk's service-language list (the handbook's own stay). */
export const SERVICE_LANGUAGE_RULES = [
  {
    kind: 'FORBIDDEN' as const,
    language: 'ZH' as const,
    phrase: '这个不归我管',
    suggestion: '这个问题我来帮您联系负责的同事，稍后给您回复。',
  },
  {
    kind: 'FORBIDDEN' as const,
    language: 'EN' as const,
    phrase: 'calm down',
    suggestion: 'I understand this is frustrating; let me sort it out for you.',
  },
  { kind: 'GREETING' as const, language: 'ZH' as const, phrase: '您好', suggestion: null },
  { kind: 'CLOSING' as const, language: 'ZH' as const, phrase: '如有其他问题随时联系我们', suggestion: null },
  { kind: 'CLOSING' as const, language: 'EN' as const, phrase: 'Kind regards', suggestion: null },
];

const WEEKDAY_SHIFTS = [
  { start: '09:00', end: '12:00' },
  { start: '13:30', end: '18:00' },
];

function dayRange(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = new Date(`${from}T00:00:00Z`); day <= new Date(`${to}T00:00:00Z`);) {
    days.push(day.toISOString().slice(0, 10));
    day = new Date(day.getTime() + 86_400_000);
  }
  return days;
}

/**
 * 2026 public holidays and make-up workdays, per the State Council's notice
 * 国办发明电〔2025〕7号 (2025-11-04). Whole ranges are listed, weekend days
 * included: a holiday is simply a day without shifts.
 */
export const HOLIDAYS_2026 = [
  ...dayRange('2026-01-01', '2026-01-03'), // 元旦
  ...dayRange('2026-02-15', '2026-02-23'), // 春节
  ...dayRange('2026-04-04', '2026-04-06'), // 清明节
  ...dayRange('2026-05-01', '2026-05-05'), // 劳动节
  ...dayRange('2026-06-19', '2026-06-21'), // 端午节
  ...dayRange('2026-09-25', '2026-09-27'), // 中秋节
  ...dayRange('2026-10-01', '2026-10-07'), // 国庆节
];

/** 调休上班: weekend days worked in exchange, per the same notice. */
export const MAKE_UP_WORKDAYS_2026 = [
  '2026-01-04', // 元旦 (Sunday)
  '2026-02-14', // 春节 (Saturday)
  '2026-02-28', // 春节 (Saturday)
  '2026-05-09', // 劳动节 (Saturday)
  '2026-09-20', // 国庆节 (Sunday)
  '2026-10-10', // 国庆节 (Saturday)
];

export const BUSINESS_CALENDAR = {
  id: 'default',
  timeZone: 'Asia/Shanghai',
  weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, shifts: WEEKDAY_SHIFTS })),
  holidays: HOLIDAYS_2026,
  extraWorkingDays: MAKE_UP_WORKDAYS_2026.map((date) => ({ date, shifts: WEEKDAY_SHIFTS })),
};

/** The handbook's policy, plus a stricter first response for enterprise customers. */
export const SLA_POLICY = {
  calendarId: 'default',
  warningShare: 0.8,
  rules: [
    ...(['FIRST_RESPONSE', 'NEXT_RESPONSE'] as const).flatMap((target) => [
      { target, priority: 'P0', minutes: 15, businessTime: false },
      { target, priority: 'P1', minutes: 60, businessTime: false },
      { target, priority: 'P2', minutes: 240, businessTime: true },
      { target, priority: 'P3', minutes: 1440, businessTime: true },
    ]),
    { target: 'RESOLUTION' as const, priority: 'P0', minutes: 240, businessTime: false },
    { target: 'RESOLUTION' as const, priority: 'P1', minutes: 1440, businessTime: false },
    { target: 'RESOLUTION' as const, priority: 'P2', minutes: 1440, businessTime: true },
    { target: 'RESOLUTION' as const, priority: 'P3', minutes: 2880, businessTime: true },
    { target: 'FIRST_RESPONSE' as const, ticketType: 'COMPLAINT', minutes: 2880, businessTime: false },
    {
      target: 'FIRST_RESPONSE' as const,
      customerType: 'ENTERPRISE',
      priority: 'P2',
      minutes: 120,
      businessTime: true,
    },
  ],
};

/** Desk-wide targets and one queue's own (analytics: met/missed in every figure). */
export const KPI_TARGETS: { kpi: string; queueId: string | null; target: number }[] = [
  { kpi: 'satisfactionRate', queueId: null, target: 0.9 },
  { kpi: 'onTimeReplyRate', queueId: null, target: 0.95 },
  { kpi: 'reopenRate', queueId: null, target: 0.08 },
  { kpi: 'repeatComplaintRate', queueId: null, target: 0.05 },
  { kpi: 'complaintAnsweredWithin48h', queueId: null, target: 1 },
  { kpi: 'satisfactionRate', queueId: 'complaints', target: 0.8 },
];

export const KNOWLEDGE_CATEGORIES = [
  { id: 'product', name: '产品 Product' },
  { id: 'service', name: '服务 Service' },
  { id: 'delivery', name: '物流 Delivery' },
  { id: 'transaction', name: '交易 Transactions' },
  { id: 'technical', name: '技术 Technical' },
];

export interface SeedArticle {
  title: string;
  summary: string;
  body: string;
  categoryId: string;
  tags: string[];
  locale: 'zh-CN' | 'en';
  audience: 'PUBLIC' | 'INTERNAL';
}

/** [category, tags, zh title, zh body, en title, en body]: each topic in both languages. */
const TOPICS: [string, string[], string, string, string, string][] = [
  [
    'transaction',
    ['refund'],
    '如何申请退款',
    '在订单详情页点击“申请退款”，选择原因并提交。退款审核通过后，款项将在 1-3 个工作日内原路退回；银行卡退款可能需要 3-7 个工作日到账。',
    'How to request a refund',
    'Open the order, choose "Request refund", pick a reason and submit. Approved refunds go back to the original payment method within 1-3 business days; card refunds may take 3-7 business days.',
  ],
  [
    'transaction',
    ['billing'],
    '重复扣款怎么处理',
    '同一订单被扣款两次时，多扣的款项通常会在 24 小时内由支付渠道自动退回。超过 24 小时未退回，请提供订单号和扣款截图，我们会为您人工核实并退款。',
    'Charged twice for one order',
    'When one order is charged twice, the payment provider usually reverses the extra charge within 24 hours. If it has not come back after 24 hours, send the order number and a screenshot of the charges and we will verify and refund it by hand.',
  ],
  [
    'transaction',
    ['invoice'],
    '如何开具电子发票',
    '订单完成后，在“我的订单-发票”中填写发票抬头和税号即可开具电子发票，发票将发送至您的邮箱。企业客户可申请增值税专用发票。',
    'Getting an electronic invoice',
    'Once an order is complete, enter the invoice title and tax number under "My orders - Invoice"; the invoice is emailed to you. Business customers may request a special VAT invoice.',
  ],
  [
    'transaction',
    ['payment'],
    '支付失败的常见原因',
    '支付失败多由银行卡余额不足、单笔限额、网络超时或支付密码错误引起。请检查银行卡状态后重试，或更换支付方式。',
    'Why a payment fails',
    'Failed payments are mostly caused by insufficient balance, a per-transaction limit, a network timeout or a wrong payment password. Check the card and try again, or use another payment method.',
  ],
  [
    'delivery',
    ['shipping'],
    '快递一直没有更新怎么办',
    '物流信息 48 小时未更新时，可能是快递中转延迟。请在订单页查看运单号并联系快递公司；超过 72 小时仍无更新，我们将为您申请补发或退款。',
    'Tracking has not updated',
    'If tracking has not moved for 48 hours the parcel is usually delayed at a hub. Check the tracking number on the order page and contact the carrier; after 72 hours without an update we will arrange a resend or a refund.',
  ],
  [
    'delivery',
    ['shipping'],
    '修改收货地址',
    '订单发货前可在订单详情页修改收货地址；已发货的订单请联系快递公司改派，或联系客服协助拦截。',
    'Changing the delivery address',
    'Before dispatch you can change the address on the order page; after dispatch ask the carrier to redirect the parcel, or contact us to intercept it.',
  ],
  [
    'delivery',
    ['damage'],
    '收到的商品破损',
    '签收时发现外包装或商品破损，请拍照留存并在 48 小时内提交售后申请，我们将免费为您换货或退款。',
    'The item arrived damaged',
    'If the packaging or item is damaged on arrival, take photos and open an after-sales request within 48 hours; we will replace or refund it at no cost.',
  ],
  [
    'delivery',
    ['returns'],
    '七天无理由退货',
    '签收后 7 天内，商品完好且不影响二次销售的，可申请无理由退货。退货运费由买家承担，质量问题除外。',
    '7-day no-reason returns',
    'Within 7 days of delivery you may return an unused item in resalable condition without giving a reason. Return shipping is paid by the buyer, except for quality problems.',
  ],
  [
    'technical',
    ['login'],
    '无法登录账号',
    '请确认账号和密码输入正确，并检查是否开启了大小写锁定。多次输入错误会临时锁定账号 30 分钟；也可以通过“忘记密码”重置。',
    'Cannot log in',
    'Check the account name and password and that Caps Lock is off. Several wrong attempts lock the account for 30 minutes; you can also reset the password with "Forgot password".',
  ],
  [
    'technical',
    ['password'],
    '重置密码',
    '在登录页点击“忘记密码”，通过绑定的手机号或邮箱接收验证码后设置新密码。新密码需至少 8 位并包含字母和数字。',
    'Resetting your password',
    'Click "Forgot password" on the sign-in page, receive a code on your registered phone or email and set a new password of at least 8 characters with letters and digits.',
  ],
  [
    'technical',
    ['app'],
    'App 闪退的处理方法',
    'App 闪退时请先升级到最新版本，清除缓存后重启手机。如仍闪退，请在“设置-反馈”中上传日志，我们的技术人员会尽快排查。',
    'The app keeps crashing',
    'Update the app to the latest version, clear its cache and restart the phone. If it still crashes, upload the logs under "Settings - Feedback" and our engineers will look into it.',
  ],
  [
    'technical',
    ['security'],
    '账号异地登录提醒',
    '收到异地登录提醒但并非本人操作时，请立即修改密码并开启两步验证，同时检查绑定的手机号和邮箱是否被更改。',
    'Suspicious sign-in alert',
    'If you get a sign-in alert that was not you, change your password at once, turn on two-step verification and check that your phone and email have not been changed.',
  ],
  [
    'technical',
    ['api'],
    '接口返回 500 错误',
    '接口返回 500 多为服务端临时故障。请记录请求时间和请求编号，稍后重试；持续出现时请提交工单并附上请求编号。',
    'The API returns error 500',
    'A 500 from the API is usually a temporary server fault. Note the time and request id and retry later; if it keeps happening, open a ticket with the request id.',
  ],
  [
    'product',
    ['pricing'],
    '套餐对比与报价',
    '我们提供基础版、专业版和企业版三种套餐，按坐席数计费。企业版支持私有部署和专属客户经理，欢迎联系售前获取报价。',
    'Plans and pricing',
    'There are three plans, Basic, Professional and Enterprise, billed per seat. Enterprise adds private deployment and a dedicated account manager; contact pre-sales for a quote.',
  ],
  [
    'product',
    ['trial'],
    '申请免费试用',
    '新用户可申请 14 天免费试用专业版，试用期间功能不受限制，到期后数据保留 30 天。',
    'Starting a free trial',
    'New customers can try the Professional plan free for 14 days with every feature; data is kept for 30 days after the trial ends.',
  ],
  [
    'product',
    ['warranty'],
    '产品保修政策',
    '硬件产品自签收之日起享受一年保修，保修期内非人为损坏免费维修；超出保修期可付费维修。',
    'Warranty policy',
    'Hardware is under warranty for one year from delivery; faults not caused by misuse are repaired free within that time, and at cost afterwards.',
  ],
  [
    'service',
    ['complaint'],
    '投诉处理流程',
    '我们在收到投诉后 48 小时内给出答复，由专人跟进处理。处理完成后会进行回访，如对结果不满意可再次反馈。',
    'How complaints are handled',
    'Every complaint gets an answer within 48 hours and one person follows it through. We call you back afterwards; if you are not satisfied with the outcome, tell us and it is handled again.',
  ],
  [
    'service',
    ['compensation'],
    '补偿标准说明',
    '因我方原因造成的损失，将按补偿标准给予退款、换货、优惠券或服务升级，具体金额以主管审批为准。',
    'Our compensation standards',
    'For losses we caused we offer a refund, a replacement, a coupon or a service upgrade under our compensation standards; a supervisor approves the amount.',
  ],
  [
    'service',
    ['contact'],
    '客服工作时间',
    '人工客服工作时间为工作日 9:00-12:00、13:30-18:00，法定节假日另行通知；在线留言 24 小时内回复。',
    'Support hours',
    'Agents are available on working days 09:00-12:00 and 13:30-18:00 (public holidays announced separately); messages left online are answered within 24 hours.',
  ],
  [
    'service',
    ['account'],
    '注销账号',
    '注销账号前请确认没有未完成的订单和未使用的余额。提交注销申请后 15 天内可撤销，期满后数据将被永久删除。',
    'Closing your account',
    'Before closing your account make sure no orders are open and no balance is left. A closure request can be withdrawn within 15 days; after that the data is deleted for good.',
  ],
];

export const ARTICLES: SeedArticle[] = TOPICS.flatMap(
  ([categoryId, tags, zhTitle, zhBody, enTitle, enBody]) => [
    {
      title: zhTitle,
      summary: zhBody.split('。')[0] + '。',
      body: `## ${zhTitle}\n\n${zhBody}\n\n如仍有疑问，请联系在线客服。`,
      categoryId,
      tags: [...tags, 'zh'],
      locale: 'zh-CN' as const,
      audience: 'PUBLIC' as const,
    },
    {
      title: enTitle,
      summary: enBody.split('. ')[0] + '.',
      body: `## ${enTitle}\n\n${enBody}\n\nStill stuck? Contact us through online chat.`,
      categoryId,
      tags: [...tags, 'en'],
      locale: 'en' as const,
      audience: 'PUBLIC' as const,
    },
  ],
);

export const REPLY_TEMPLATES = [
  {
    name: '首次响应（中文）',
    locale: 'zh-CN',
    body: '{{customer.name}}您好，我是客服{{agent.name}}，您的工单 {{ticket.number}} 已收到，我们正在处理，请耐心等待。谢谢！',
  },
  {
    name: '结案回复（中文）',
    locale: 'zh-CN',
    body: '{{customer.name}}您好，您反馈的“{{ticket.title}}”已处理完毕。如有其他问题随时联系我们，祝您生活愉快！',
  },
  {
    name: '投诉致歉（中文）',
    locale: 'zh-CN',
    body: '{{customer.name}}您好，非常抱歉给您带来不便。您的投诉（{{ticket.number}}）已由专人跟进，我们会在 48 小时内给您答复。感谢您的耐心。',
  },
  {
    name: 'First response (English)',
    locale: 'en',
    body: 'Hello {{customer.name}}, this is {{agent.name}}. We have received ticket {{ticket.number}} and are working on it. Thank you for your patience.',
  },
  {
    name: 'Resolution (English)',
    locale: 'en',
    body: 'Hello {{customer.name}}, "{{ticket.title}}" is resolved. If anything else comes up, just reply to this message. Kind regards',
  },
];

export const COMPENSATION_STANDARDS = [
  { categoryId: 'delivery', kind: 'COUPON', maxAmount: 50, currency: 'CNY', note: '配送延迟超过 72 小时' },
  { categoryId: 'delivery', kind: 'REPLACEMENT', maxAmount: null, currency: null, note: '商品破损或错发' },
  { categoryId: 'transaction', kind: 'REFUND', maxAmount: 2000, currency: 'CNY', note: '重复扣款或多收费用' },
  { categoryId: 'product', kind: 'REPLACEMENT', maxAmount: null, currency: null, note: '保修期内质量问题' },
  { categoryId: 'service', kind: 'COUPON', maxAmount: 100, currency: 'CNY', note: '服务态度或超时答复' },
  {
    categoryId: 'technical',
    kind: 'SERVICE_UPGRADE',
    maxAmount: null,
    currency: null,
    note: '故障影响使用超过 24 小时',
  },
];
