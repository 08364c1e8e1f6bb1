import { simpleParser } from 'mailparser';
import {
  automaticMailReason,
  bodyText,
  stripQuotedHistory,
  ticketNumberInSubject,
  titleFromSubject,
  toInboundMail,
  MalformedMailError,
} from '../mail-content';

async function headersOf(raw: string) {
  return (await simpleParser(raw)).headers;
}

describe('automaticMailReason', () => {
  it.each([
    ['Auto-Submitted: auto-replied', 'AUTO_SUBMITTED'],
    ['Precedence: bulk', 'PRECEDENCE'],
    ['Precedence: list', 'PRECEDENCE'],
    ['X-Autoreply: yes', 'AUTO_REPLY_HEADER'],
    ['X-Auto-Response-Suppress: All', 'AUTO_REPLY_HEADER'],
    ['List-Id: <news.example.com>', 'MAILING_LIST'],
    ['Content-Type: multipart/report; report-type=delivery-status; boundary=x', 'DELIVERY_REPORT'],
  ])('should call mail with "%s" automatic (%s)', async (header, reason) => {
    const headers = await headersOf(`From: a@example.com\r\n${header}\r\nSubject: s\r\n\r\nbody`);
    expect(automaticMailReason(headers, 'a@example.com')).toBe(reason);
  });

  it('should call mail from mailer-daemon or with a null reverse path a delivery report', async () => {
    expect(automaticMailReason(await headersOf('From: MAILER-DAEMON@mx.example.com\r\n\r\nx'), 'x@y.z')).toBe(
      'DELIVERY_REPORT',
    );
    expect(automaticMailReason(await headersOf('From: a@example.com\r\n\r\nx'), '')).toBe('DELIVERY_REPORT');
  });

  it('should let a person\'s mail through when Auto-Submitted is "no"', async () => {
    expect(
      automaticMailReason(
        await headersOf('From: a@example.com\r\nAuto-Submitted: no\r\n\r\nx'),
        'a@example.com',
      ),
    ).toBeNull();
  });
});

describe('subjects', () => {
  it('should find the ticket number in brackets anywhere in the subject', () => {
    expect(ticketNumberInSubject('Re: 回复：发票 [202611-012]')).toBe('202611-012');
    expect(ticketNumberInSubject('Order 202611-012 without brackets')).toBeNull();
  });

  it('should drop reply prefixes and the ticket tag from a title', () => {
    expect(titleFromSubject('Re: RE: 回复：转发: 发票问题 [202611-0123]')).toBe('发票问题');
  });
});

describe('bodies', () => {
  it('should cut English, Chinese and Outlook quoted history', () => {
    expect(
      stripQuotedHistory('Still broken.\n\nOn Mon, 23 Nov 2026 at 09:00, Support <s@x.com>\nwrote:\n> old'),
    ).toBe('Still broken.');
    expect(stripQuotedHistory('还是不行。\n在 2026年11月23日 10:00，客服 <s@x.com> 写道：\n> 旧')).toBe(
      '还是不行。',
    );
    expect(stripQuotedHistory('Works now\n\n-----Original Message-----\nFrom: x')).toBe('Works now');
    expect(stripQuotedHistory('好的\n\n发件人: 客服\n发送时间: 2026年11月23日\n主题: 发票')).toBe('好的');
    expect(stripQuotedHistory('line one\n> quoted\nline two')).toBe('line one\nline two');
  });

  it('should turn HTML into text without scripts, styles or images', () => {
    const text = bodyText({
      text: undefined,
      html: '<style>p{color:red}</style><p>Hello <b>there</b></p><script>alert(1)</script><img src="x.png" alt="logo"><a href="https://e.com">link</a>',
    });
    expect(text).toContain('Hello there');
    expect(text).toContain('https://e.com');
    expect(text).not.toMatch(/alert|color:red|logo/);
  });

  it('should refuse a mail whose From has no address', async () => {
    const parsed = await simpleParser('Subject: no sender\r\n\r\nbody');
    expect(() => toInboundMail(parsed, 'fallback@x')).toThrow(MalformedMailError);
  });

  it('should mask ID numbers in subject, body and sender name', async () => {
    const parsed = await simpleParser(
      'From: "11010519491231002X" <a@example.com>\r\nSubject: ID 11010519491231002X\r\nMessage-ID: <M1@Example.com>\r\n\r\nmy id 11010519491231002X',
    );
    const mail = toInboundMail(parsed, 'fallback@x');
    expect(JSON.stringify(mail)).not.toContain('11010519491231002X');
    expect(mail.messageId).toBe('m1@example.com');
  });
});
