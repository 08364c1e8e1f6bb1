export const TICKET_TYPES = [
  'CONSULTATION',
  'COMPLAINT',
  'FAULT_REPORT',
  'SERVICE_REQUEST',
  'SUGGESTION',
  'OTHER',
] as const;
export type TicketType = (typeof TICKET_TYPES)[number];

/** P0 is the most urgent. */
export const PRIORITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** A keyword rule: any keyword found suggests the rule's type, category and/or priority. */
export interface ClassificationRule {
  id: string;
  keywords: string[];
  type?: TicketType;
  category?: string;
  priority?: Priority;
  /** Weight of each matched keyword; 1 when absent. */
  weight?: number;
}

/** The handbook's starting rules, in Chinese and English; desks replace them with their own data. */
export const DEFAULT_CLASSIFICATION_RULES: ClassificationRule[] = [
  {
    id: 'complaint',
    type: 'COMPLAINT',
    keywords: [
      '投诉',
      '赔偿',
      '退款',
      '差评',
      'complaint',
      'complain',
      'refund',
      'compensation',
      'unacceptable',
    ],
  },
  {
    id: 'p0-incident',
    priority: 'P0',
    keywords: [
      '宕机',
      '瘫痪',
      '数据泄露',
      '全部用户无法',
      'outage',
      'data leak',
      'data breach',
      'down for everyone',
    ],
  },
  { id: 'p1-urgent', priority: 'P1', keywords: ['无法使用', '严重', 'urgent', 'cannot use', 'not working'] },
  {
    id: 'fault-report',
    type: 'FAULT_REPORT',
    keywords: ['故障', '报错', '失败', '宕机', 'error', 'broken', 'crash', 'bug', 'outage'],
  },
  {
    id: 'consultation',
    type: 'CONSULTATION',
    keywords: ['咨询', '请问', '如何', '怎么', 'how do i', 'how to', 'question'],
  },
  {
    id: 'service-request',
    type: 'SERVICE_REQUEST',
    keywords: ['申请', '开通', '变更', 'request', 'activate', 'change my'],
  },
  { id: 'suggestion', type: 'SUGGESTION', keywords: ['建议', '希望增加', 'suggest', 'feature request'] },
  {
    id: 'delivery',
    category: 'delivery',
    keywords: ['物流', '快递', '配送', 'delivery', 'shipping', 'parcel'],
  },
  {
    id: 'transaction',
    category: 'transaction',
    keywords: ['支付', '扣款', '发票', '订单', 'payment', 'paying', 'charge', 'invoice', 'order'],
  },
  {
    id: 'technical',
    category: 'technical',
    keywords: ['登录', '密码', 'app', '网站', 'login', 'password', 'website'],
  },
  { id: 'product', category: 'product', keywords: ['质量', '产品', 'product', 'quality'] },
];
