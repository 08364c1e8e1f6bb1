import { buildEvent, TicketDutyManagerNotifiedV1, SlaClockBreachedV1 } from '@deskgraph/events';
import { robotAccepted, robotRequest, robotText } from '../robot-messages';

const ticketId = '3f0c9a4e-8d1b-4d0e-9b59-2f1f6d3c7a10';
const facts = { number: '202611-012', title: '支付系统宕机', priority: 'P0', queueId: 'general' };

describe('robot messages', () => {
  it('should page the duty manager in Chinese with number, title, priority, queue and link', () => {
    const event = buildEvent(TicketDutyManagerNotifiedV1, {
      source: '/t',
      subject: ticketId,
      data: {
        ticketId,
        version: 1,
        queueId: 'general',
        actor: { id: 'system', role: 'system' },
        at: new Date().toISOString(),
        dutyManagerId: 'dm-1',
        priority: 'P0',
      },
    });
    const text = robotText(event, facts, 'https://desk.example.com/t/{number}')!;
    expect(text).toContain('值班');
    for (const part of [
      '202611-012',
      '支付系统宕机',
      'P0',
      'general',
      'https://desk.example.com/t/202611-012',
    ]) {
      expect(text).toContain(part);
    }
  });

  it('should name the SLA target of a breach', () => {
    const event = buildEvent(SlaClockBreachedV1, {
      source: '/s',
      subject: ticketId,
      data: {
        clockId: ticketId,
        ticketId,
        queueId: 'general',
        target: 'FIRST_RESPONSE',
        cycle: 1,
        at: new Date().toISOString(),
        dueAt: '2026-11-20T09:00:00.000Z',
        priority: 'P1',
        late: false,
        lateMs: 0,
      },
    });
    expect(robotText(event, facts, 'x/{number}')).toContain('首次响应已超时');
  });

  it('should build each robot body and read its answer code', () => {
    expect(JSON.parse(robotRequest('WECOM', 'https://w', '', 'hi', 0).body)).toEqual({
      msgtype: 'text',
      text: { content: 'hi' },
    });
    expect(robotRequest('DINGTALK', 'https://d?access_token=a', 'SEC1', 'hi', 1).url).toContain(
      '&timestamp=1&sign=',
    );
    expect(JSON.parse(robotRequest('FEISHU', 'https://f', 's', 'hi', 2000).body)).toMatchObject({
      timestamp: '2',
      msg_type: 'text',
      content: { text: 'hi' },
    });
    expect(robotAccepted('WECOM', '{"errcode":0,"errmsg":"ok"}')).toBe(true);
    expect(robotAccepted('DINGTALK', '{"errcode":310000,"errmsg":"sign not match"}')).toBe(false);
    expect(robotAccepted('FEISHU', '{"code":0,"msg":"success"}')).toBe(true);
    expect(robotAccepted('FEISHU', '{"code":19021,"msg":"sign match fail"}')).toBe(false);
  });
});
