import type { DeskgraphEvent } from '@deskgraph/events';
import { dingTalkSignedUrl, feishuSignature } from './signatures';

export const ENDPOINT_FORMATS = ['GENERIC', 'WECOM', 'DINGTALK', 'FEISHU'] as const;
export type EndpointFormat = (typeof ENDPOINT_FORMATS)[number];

/** What a robot pages the duty manager about when its endpoint names no event types. */
export const ROBOT_DEFAULT_EVENT_TYPES = [
  'deskgraph.ticket.duty_manager_notified.v1',
  'deskgraph.sla.clock_warned.v1',
  'deskgraph.sla.clock_breached.v1',
  'deskgraph.ticket.escalated.v1',
];

export interface TicketFacts {
  number: string;
  title: string;
  priority: string;
  queueId: string;
}

const TARGETS: Record<string, string> = {
  FIRST_RESPONSE: '首次响应',
  NEXT_RESPONSE: '再次响应',
  RESOLUTION: '解决',
};

/** The headline of a page, or null for events robots do not announce. */
function headline(event: DeskgraphEvent): string | null {
  switch (event.type) {
    case 'deskgraph.ticket.duty_manager_notified.v1':
      return `【值班提醒】${event.data.priority} 工单需值班经理关注`;
    case 'deskgraph.sla.clock_warned.v1':
      return `【SLA 预警】${TARGETS[event.data.target] ?? event.data.target}即将超时（${event.data.dueAt}）`;
    case 'deskgraph.sla.clock_breached.v1':
      return `【SLA 超时】${TARGETS[event.data.target] ?? event.data.target}已超时（${event.data.dueAt}）`;
    case 'deskgraph.ticket.escalated.v1':
      return `【工单升级】${event.data.direction === 'VERTICAL' ? '纵向升级' : '横向协同'}：${event.data.reason}`;
    default:
      return null;
  }
}

/** A short Chinese message: what happened, ticket number, title, priority, queue and a link. */
export function robotText(
  event: DeskgraphEvent,
  ticket: TicketFacts | null,
  linkTemplate: string,
): string | null {
  const title = headline(event);
  if (!title) return null;
  const priority = 'priority' in event.data ? String(event.data.priority) : (ticket?.priority ?? '');
  const lines = [title];
  if (ticket) {
    lines.push(`工单：${ticket.number}`, `标题：${ticket.title.slice(0, 100)}`);
  }
  lines.push(`优先级：${priority || ticket?.priority || '-'}`);
  lines.push(`队列：${ticket?.queueId ?? ('queueId' in event.data ? String(event.data.queueId) : '-')}`);
  if (ticket) lines.push(`链接：${linkTemplate.replace('{number}', encodeURIComponent(ticket.number))}`);
  return lines.join('\n');
}

export interface RobotRequest {
  url: string;
  body: string;
}

/** The request each robot expects, signed at send time (DingTalk and Feishu refuse stale timestamps). */
export function robotRequest(
  format: Exclude<EndpointFormat, 'GENERIC'>,
  url: string,
  secret: string,
  text: string,
  nowMs: number,
): RobotRequest {
  switch (format) {
    case 'WECOM':
      return { url, body: JSON.stringify({ msgtype: 'text', text: { content: text } }) };
    case 'DINGTALK':
      return {
        url: secret ? dingTalkSignedUrl(url, secret, nowMs) : url,
        body: JSON.stringify({ msgtype: 'text', text: { content: text } }),
      };
    case 'FEISHU': {
      const timestamp = Math.floor(nowMs / 1000);
      return {
        url,
        body: JSON.stringify({
          ...(secret ? { timestamp: String(timestamp), sign: feishuSignature(secret, timestamp) } : {}),
          msg_type: 'text',
          content: { text },
        }),
      };
    }
  }
}

/** Robots answer HTTP 200 with an error code in the body; only code 0 is a delivery. */
export function robotAccepted(format: Exclude<EndpointFormat, 'GENERIC'>, responseBody: string): boolean {
  try {
    const parsed = JSON.parse(responseBody) as { errcode?: number; code?: number; StatusCode?: number };
    if (format === 'FEISHU') return (parsed.code ?? parsed.StatusCode) === 0;
    return parsed.errcode === 0;
  } catch {
    return false;
  }
}
