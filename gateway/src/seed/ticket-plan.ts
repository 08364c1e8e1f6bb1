import { seededRandom } from '@deskgraph/platform';
import { AGENTS, CUSTOMERS, SHIFTS, type SeedCustomer } from './desk-data';

// The demo desk's ticket history as data: who wrote what, and when, for a few
// hundred tickets over the last four weeks. Pure and deterministic for a seed
// number, so reruns and tests see the same desk.

export type Channel = 'PHONE' | 'CHAT' | 'EMAIL' | 'APP' | 'SOCIAL_MEDIA' | 'WALK_IN' | 'THIRD_PARTY';
export type Satisfaction = 'VERY_SATISFIED' | 'SATISFIED' | 'NEUTRAL' | 'UNSATISFIED';

/** One step of a ticket's story, `minutes` after the ticket was created. */
export type Step = { minutes: number } & (
  | { kind: 'assign'; agentId: string }
  | { kind: 'reply'; author: 'agent' | 'customer'; body: string; internal?: boolean }
  | {
      kind: 'status';
      to: 'IN_PROGRESS' | 'PENDING_CUSTOMER' | 'PENDING_THIRD_PARTY' | 'RESOLVED';
      reason: string;
    }
  | { kind: 'escalate'; direction: 'VERTICAL'; tier: 'SUPERVISOR' | 'EXPERT'; reason: string }
  | { kind: 'escalate'; direction: 'HORIZONTAL'; helperQueueIds: string[]; reason: string }
  | {
      kind: 'compensate';
      compensation: 'REFUND' | 'COUPON' | 'REPLACEMENT';
      amount: number | null;
      approve: boolean;
    }
  | { kind: 'confirm'; satisfaction: Satisfaction; comment: string }
  | { kind: 'useArticle' }
  | { kind: 'completeVisit'; satisfied: boolean }
  | { kind: 'duplicate' }
);

export interface TicketPlan {
  /** Natural key: the ticket carries it as a tag, so a rerun finds it instead of creating it again. */
  key: string;
  createdMinutesAgo: number;
  customer: SeedCustomer;
  /** Customers write in through the app and chat themselves; staff record phone, email and walk-in tickets. */
  createdBy: 'customer' | 'staff';
  channel: Channel;
  title: string;
  description: string;
  type: 'CONSULTATION' | 'COMPLAINT' | 'FAULT_REPORT' | 'SERVICE_REQUEST' | 'SUGGESTION';
  category: string;
  priority: 'P0' | 'P1' | 'P2' | 'P3';
  queueId: string;
  mood?: 'CALM' | 'ANXIOUS' | 'ANGRY' | 'VERY_ANGRY';
  steps: Step[];
}

interface Scenario {
  type: TicketPlan['type'];
  category: string;
  queueId: string;
  priority: TicketPlan['priority'];
  zh: [string, string];
  en: [string, string];
}

const SCENARIOS: Scenario[] = [
  {
    type: 'COMPLAINT',
    category: 'transaction',
    queueId: 'complaints',
    priority: 'P2',
    zh: ['重复扣款投诉', '同一个订单被扣款两次，已经等了三天还没退回，要求退款并给个说法。'],
    en: [
      'Complaint: charged twice',
      'My order was charged twice and the extra charge has not come back after three days. I want a refund.',
    ],
  },
  {
    type: 'COMPLAINT',
    category: 'delivery',
    queueId: 'complaints',
    priority: 'P2',
    zh: ['快递延迟一周投诉', '下单一周了快递还没到，物流信息一直不更新，客服也联系不上，非常不满。'],
    en: [
      'Complaint: parcel a week late',
      'The parcel is a week late, tracking has not moved and nobody answered my messages. This is unacceptable.',
    ],
  },
  {
    type: 'COMPLAINT',
    category: 'service',
    queueId: 'complaints',
    priority: 'P1',
    zh: ['客服态度差投诉', '电话客服态度很差，问题没解决就挂电话，要求赔偿。'],
    en: [
      'Complaint about an agent',
      'The phone agent was rude and hung up before solving anything. I expect compensation.',
    ],
  },
  {
    type: 'FAULT_REPORT',
    category: 'technical',
    queueId: 'tech-support',
    priority: 'P2',
    zh: ['App 闪退', '打开订单页面时 App 闪退，重装后仍然报错。'],
    en: [
      'App crashes on the orders page',
      'The app crashes whenever I open my orders, even after reinstalling it.',
    ],
  },
  {
    type: 'FAULT_REPORT',
    category: 'technical',
    queueId: 'tech-support',
    priority: 'P1',
    zh: ['接口返回 500 错误', '我们的系统调用下单接口一直返回 500，影响线上业务，请尽快处理。'],
    en: [
      'API returns error 500',
      'Our integration gets error 500 from the order API on every call; our shop is affected, please hurry.',
    ],
  },
  {
    type: 'FAULT_REPORT',
    category: 'technical',
    queueId: 'tech-support',
    priority: 'P2',
    zh: ['无法登录账号', '输入正确的密码也提示登录失败，重置密码后还是无法登录。'],
    en: ['Cannot log in', 'Login fails with the right password, and still fails after a password reset.'],
  },
  {
    type: 'SERVICE_REQUEST',
    category: 'technical',
    queueId: 'tech-support',
    priority: 'P3',
    zh: ['申请开通两步验证', '收到异地登录提醒，申请为企业账号开通两步验证。'],
    en: [
      'Turn on two-step verification',
      'We got a suspicious sign-in alert; please turn on two-step verification for our company account.',
    ],
  },
  {
    type: 'CONSULTATION',
    category: 'product',
    queueId: 'presales',
    priority: 'P3',
    zh: ['咨询企业版报价', '请问企业版 50 个坐席的报价是多少？是否支持私有部署？'],
    en: [
      'Enterprise pricing question',
      'What does the Enterprise plan cost for 50 seats, and can it be deployed on our own servers?',
    ],
  },
  {
    type: 'CONSULTATION',
    category: 'product',
    queueId: 'presales',
    priority: 'P3',
    zh: ['咨询免费试用', '请问专业版可以免费试用多久？试用结束后数据会保留吗？'],
    en: ['Free trial question', 'How long is the Professional trial, and is our data kept after it ends?'],
  },
  {
    type: 'CONSULTATION',
    category: 'product',
    queueId: 'presales',
    priority: 'P3',
    zh: ['咨询保修政策', '请问硬件的保修期是多久？人为损坏可以付费维修吗？'],
    en: [
      'Warranty question',
      'How long is the hardware warranty, and can accidental damage be repaired at cost?',
    ],
  },
  {
    type: 'SERVICE_REQUEST',
    category: 'delivery',
    queueId: 'aftersales',
    priority: 'P2',
    zh: ['申请修改收货地址', '订单还没发货，申请把收货地址改到公司。'],
    en: [
      'Change my delivery address',
      'The order has not shipped yet; please change the delivery address to my office.',
    ],
  },
  {
    type: 'SERVICE_REQUEST',
    category: 'delivery',
    queueId: 'aftersales',
    priority: 'P2',
    zh: ['商品破损申请换货', '收到的商品外壳破损，已拍照，申请换货。'],
    en: [
      'Damaged item, replacement please',
      'The item arrived with a cracked case; I have photos and would like a replacement.',
    ],
  },
  {
    type: 'SERVICE_REQUEST',
    category: 'transaction',
    queueId: 'aftersales',
    priority: 'P3',
    zh: ['申请开具电子发票', '请帮忙开具电子发票，发票抬头为公司名称。'],
    en: ['Invoice request', 'Please issue an electronic invoice in our company name.'],
  },
  {
    type: 'SERVICE_REQUEST',
    category: 'transaction',
    queueId: 'aftersales',
    priority: 'P2',
    zh: ['申请七天无理由退货', '商品未拆封，申请七天无理由退货，请问运费怎么算？'],
    en: [
      '7-day return request',
      'The item is unopened and I would like to return it under the 7-day policy. Who pays the shipping?',
    ],
  },
  {
    type: 'SUGGESTION',
    category: 'service',
    queueId: 'aftersales',
    priority: 'P3',
    zh: ['建议增加夜间人工客服', '建议增加晚上 22 点前的人工客服，下班后很难联系到人。'],
    en: [
      'Suggestion: evening support',
      'Please add live agents until 22:00; after work it is hard to reach anyone.',
    ],
  },
];

const HISTORY_DAYS = 28;
const SHANGHAI_OFFSET_MINUTES = 8 * 60;

/** Agents of a queue on shift at a desk-time hour (any of the queue when nobody is). */
export function agentsOnShift(queueId: string, hour: number): string[] {
  const ofQueue = AGENTS.filter((agent) => agent.queueIds.includes(queueId) && agent.available);
  const onShift = ofQueue.filter(
    (agent) => hour >= SHIFTS[agent.shift].startHour && hour < SHIFTS[agent.shift].endHour,
  );
  return (onShift.length ? onShift : ofQueue).map((agent) => agent.id);
}

const texts = {
  zh: {
    ack: '您好，您的问题已收到，我正在为您核实处理，请稍候。如有其他问题随时联系我们。',
    askInfo: '您好，为了尽快处理，请提供订单号和相关截图。感谢您的耐心。',
    info: '订单号是 DEMO-ORDER-20261，截图已上传。',
    resolved: '您好，问题已经处理完毕，请您确认。如有其他问题随时联系我们，祝您生活愉快！',
    again: '您好，非常抱歉上次处理没有让您满意，我们已重新处理。感谢您的耐心。',
    note: '内部备注：已联系物流/技术同事协查。',
    thanks: '问题解决了，谢谢！',
    meh: '解决了，但是等得有点久。',
    angry: '问题没有真正解决，不满意。',
  },
  en: {
    ack: 'Hello, thank you for reaching out. I am looking into this now. Thank you for your patience.',
    askInfo: 'Hello, to speed this up please send the order number and a screenshot. Thank you.',
    info: 'The order number is DEMO-ORDER-20261; screenshot attached.',
    resolved: 'Hello, this is now resolved; please confirm. Kind regards',
    again:
      'Hello, sorry the first fix did not work for you; we have handled it again. Thank you for your patience.',
    note: 'Internal note: asked the logistics/engineering team to check.',
    thanks: 'All sorted, thank you!',
    meh: 'Fixed, but it took a while.',
    angry: 'Not really fixed. Not satisfied.',
  },
};

/**
 * The tickets of the demo desk, oldest first. `now` only anchors the history;
 * the stories themselves (which customer, what text, which turns) depend on
 * the seed number alone.
 */
export function planTickets(options: { seed: number; tickets: number; now: Date }): TicketPlan[] {
  const next = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const between = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
  const plans: TicketPlan[] = [];
  for (let index = 0; index < options.tickets; index++) {
    // Spread over four weeks, busier on working days and in working hours (desk time).
    const day = Math.floor((index / options.tickets) * HISTORY_DAYS);
    const daysAgo = HISTORY_DAYS - 1 - day;
    const hour = next() < 0.85 ? between(9, 17) : pick([7, 8, 19, 20, 21, 22]);
    const minute = between(0, 59);
    const nowDesk = new Date(options.now.getTime() + SHANGHAI_OFFSET_MINUTES * 60_000);
    const midnightDesk = Date.UTC(nowDesk.getUTCFullYear(), nowDesk.getUTCMonth(), nowDesk.getUTCDate());
    const createdDesk = midnightDesk - daysAgo * 86_400_000 + (hour * 60 + minute) * 60_000;
    const minutesAgo = Math.round((nowDesk.getTime() - createdDesk) / 60_000);
    // Today's hours not reached yet happened yesterday instead.
    const createdMinutesAgo = minutesAgo < 5 ? minutesAgo + 24 * 60 : minutesAgo;
    const scenario = pick(SCENARIOS);
    const customer = pick(CUSTOMERS);
    const text = texts[customer.language];
    const [title, description] = customer.language === 'zh' ? scenario.zh : scenario.en;
    const agents = agentsOnShift(scenario.queueId, hour);
    const agentId = pick(agents);
    const complaint = scenario.type === 'COMPLAINT';
    const fast = scenario.priority === 'P1' || scenario.priority === 'P0';
    const roll = next();
    const steps: Step[] = [];
    let t = between(2, 25);
    const add = (step: Step) => steps.push(step);
    add({ minutes: t, kind: 'assign', agentId });
    // A tenth of the tickets get their first answer late: the SLA figures need breaches too.
    const late = roll < 0.1;
    t += late ? between(fast ? 70 : 300, fast ? 180 : 900) : between(3, fast ? 40 : 120);
    add({ minutes: t, kind: 'reply', author: 'agent', body: text.ack });
    if (next() < 0.3) add({ minutes: t + 1, kind: 'useArticle' });
    if (next() < 0.25) {
      add({ minutes: (t += 2), kind: 'status', to: 'PENDING_CUSTOMER', reason: 'waiting for details' });
      add({ minutes: (t += 1), kind: 'reply', author: 'agent', body: text.askInfo });
      add({ minutes: (t += between(20, 600)), kind: 'reply', author: 'customer', body: text.info });
      add({ minutes: (t += between(5, 90)), kind: 'reply', author: 'agent', body: text.ack });
    }
    if (complaint) {
      add({
        minutes: (t += between(10, 90)),
        kind: 'escalate',
        direction: 'VERTICAL',
        tier: 'SUPERVISOR',
        reason: '投诉需主管跟进 / complaint needs a supervisor',
      });
      const compensation =
        scenario.category === 'transaction'
          ? 'REFUND'
          : scenario.category === 'delivery'
            ? 'COUPON'
            : 'COUPON';
      add({
        minutes: (t += between(20, 240)),
        kind: 'compensate',
        compensation,
        amount: compensation === 'REFUND' ? between(50, 600) : between(20, 50),
        approve: next() < 0.85,
      });
    } else if (scenario.category === 'technical' && next() < 0.25) {
      add({
        minutes: (t += between(15, 120)),
        kind: 'escalate',
        direction: 'HORIZONTAL',
        helperQueueIds: ['aftersales'],
        reason: '需售后协助核实订单 / after-sales to check the order',
      });
      add({ minutes: (t += 1), kind: 'reply', author: 'agent', body: text.note, internal: true });
    }
    add({ minutes: (t += between(30, 20 * 60)), kind: 'status', to: 'RESOLVED', reason: 'answered' });
    const outcome = next();
    if (outcome < 0.08) {
      // Unsatisfied: reopened for a second handling (a repeat complaint when it is one).
      add({
        minutes: (t += between(60, 24 * 60)),
        kind: 'confirm',
        satisfaction: 'UNSATISFIED',
        comment: text.angry,
      });
      add({ minutes: (t += between(20, 240)), kind: 'reply', author: 'agent', body: text.again });
      add({
        minutes: (t += between(60, 12 * 60)),
        kind: 'status',
        to: 'RESOLVED',
        reason: 'second handling',
      });
      add({
        minutes: (t += between(60, 24 * 60)),
        kind: 'confirm',
        satisfaction: pick(['SATISFIED', 'NEUTRAL'] as const),
        comment: text.meh,
      });
    } else if (outcome < 0.9) {
      const satisfaction: Satisfaction = late
        ? pick(['NEUTRAL', 'SATISFIED'] as const)
        : pick([
            'VERY_SATISFIED',
            'VERY_SATISFIED',
            'SATISFIED',
            'SATISFIED',
            'SATISFIED',
            'NEUTRAL',
          ] as const);
      add({
        minutes: (t += between(30, 30 * 60)),
        kind: 'confirm',
        satisfaction,
        comment: satisfaction === 'NEUTRAL' ? text.meh : text.thanks,
      });
    }
    // The rest stay resolved without an answer: the desk's auto-close takes them.
    if (complaint && outcome >= 0.08 && outcome < 0.9) {
      // Closing a complaint schedules its follow-up visit (回访) a day later.
      add({ minutes: t + 24 * 60 + between(10, 300), kind: 'completeVisit', satisfied: next() < 0.8 });
    }
    const channel: Channel = pick([
      'APP',
      'CHAT',
      'PHONE',
      'EMAIL',
      'APP',
      'CHAT',
      'SOCIAL_MEDIA',
      'WALK_IN',
    ] as const);
    const plan: TicketPlan = {
      key: `demo-${options.seed}-${index}`,
      createdMinutesAgo,
      customer,
      createdBy: channel === 'APP' || channel === 'CHAT' ? 'customer' : 'staff',
      channel,
      title,
      description,
      type: scenario.type,
      category: scenario.category,
      priority: scenario.priority,
      queueId: scenario.queueId,
      ...(complaint ? { mood: pick(['ANXIOUS', 'ANGRY', 'VERY_ANGRY'] as const) } : {}),
      // What has not happened yet by now stays undone: the newest tickets are still open.
      steps: steps.filter((step) => step.minutes < createdMinutesAgo - 1),
    };
    // Every twentieth ticket is written in twice by its customer within the hour: merged.
    if (index % 20 === 7 && plan.steps.length > 0) {
      plan.steps.push({
        minutes: Math.min(plan.steps[0].minutes + 5, createdMinutesAgo - 2),
        kind: 'duplicate',
      });
      plan.steps.sort((a, b) => a.minutes - b.minutes);
    }
    plans.push(plan);
  }
  return plans;
}
