import { Client } from 'pg';
import { eventually, graphqlOk, startTestStack, testToken, type TestStack } from '@deskgraph/infra';
import { customerIdForAddress } from '../../src/graph/tickets-client';
import { customerMailer, startSmtpSink, type SinkMail } from './channels-harness';

// Mail in and out on real protocols: nodemailer → the channels SMTP listener
// → tickets through the graph; agent replies and confirmation letters →
// an SMTP sink this test runs; links followed over HTTP.

const ID_NUMBER = '11010519491231002X';
const MAX_BYTES = 64 * 1024;

jest.setTimeout(120_000);

let stack: TestStack;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let admin: string;
let db: Client;
let channelsUrl: string;

const TICKETS_OF = `query($customerId: ID!) {
  tickets(filter: { customerIds: [$customerId] }, first: 20) {
    edges { node { id number title description channel status satisfaction
      customer { id name contact preferredChannel }
      messages { author body visibility }
      timeline { action actorId result } } }
  } }`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read deep response shapes freely
async function ticketsOf(address: string): Promise<any[]> {
  const data = await graphqlOk(
    stack.gatewayUrl,
    TICKETS_OF,
    { customerId: customerIdForAddress(address) },
    admin,
  );
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return data.tickets.edges.map((edge: any) => edge.node);
}

async function send(options: Parameters<ReturnType<typeof customerMailer>['sendMail']>[0]) {
  return customerMailer(stack.smtpPort).sendMail(options);
}

function sinkMailTo(address: string, predicate: (mail: SinkMail) => boolean = () => true) {
  return eventually(async () => sink.mails.find((mail) => mail.to.includes(address) && predicate(mail)), {
    what: `mail to ${address}`,
    timeoutMs: 60_000,
  });
}

async function reply(ticketId: string, body: string) {
  await graphqlOk(
    stack.gatewayUrl,
    `mutation($input: ReplyInput!) { replyToTicket(input: $input) { message { id } } }`,
    { input: { ticketId, body, visibility: 'PUBLIC' } },
    admin,
  );
}

async function setStatus(ticketId: string, status: string) {
  await graphqlOk(
    stack.gatewayUrl,
    `mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) { status } }`,
    { input: { ticketId, status, reason: 'test' } },
    admin,
  );
}

async function openTicketByMail(address: string, subject: string, text = 'Please help.') {
  const info = await send({ from: `Customer <${address}>`, to: 'support@deskgraph.local', subject, text });
  const [ticket] = await eventually(
    async () => {
      const found = await ticketsOf(address);
      return found.length > 0 ? found : null;
    },
    { what: `ticket from ${address}`, timeoutMs: 60_000 },
  );
  return { ticket, messageId: info.messageId };
}

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({
    processEnv: {
      channels: {
        SMTP_RELAY_URL: `smtp://127.0.0.1:${sink.port}?tls=off`,
        SMTP_MAX_MESSAGE_BYTES: String(MAX_BYTES),
        MAIL_RETRY_BASE_SECONDS: '0.2',
        WORK_POLL_INTERVAL_MS: '200',
      },
    },
  });
  admin = await testToken({ userId: 'admin-1', roles: ['admin'], queueIds: ['general'] });
  db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  channelsUrl = stack.subgraphUrls.channels.replace(/\/graphql$/, '');
}, 240_000);

afterAll(async () => {
  await db?.end();
  await stack?.stop();
  await sink?.stop();
});

describe('email in', () => {
  it('should open an EMAIL ticket with masked text, no HTML or quoted history, and attachment names when a customer writes', async () => {
    const address = 'li.lei@example.com';
    await send({
      from: '李雷 <li.lei@example.com>',
      to: 'support@deskgraph.local',
      subject: '支付失败，请退款',
      html:
        `<p>付款时报错 500。<b>我的身份证号是${ID_NUMBER}</b></p><script>alert(1)</script>` +
        `<p>谢谢</p><div>在 2026年11月20日 10:00，客服 &lt;support@deskgraph.local&gt; 写道：</div><blockquote>旧的内容 old quoted text</blockquote>`,
      attachments: [{ filename: 'receipt.pdf', content: Buffer.from('%PDF-1.4 test') }],
    });
    const [ticket] = await eventually(
      async () => {
        const found = await ticketsOf(address);
        return found.length > 0 ? found : null;
      },
      { what: 'ticket from mail', timeoutMs: 60_000 },
    );
    expect(ticket.channel).toBe('EMAIL');
    expect(ticket.title).toBe('支付失败，请退款');
    expect(ticket.customer).toMatchObject({ name: '李雷', contact: address, preferredChannel: 'EMAIL' });
    expect(ticket.description).toContain('付款时报错 500');
    expect(ticket.description).toContain('receipt.pdf');
    expect(ticket.description).not.toContain(ID_NUMBER);
    expect(ticket.description).not.toContain('alert(1)');
    expect(ticket.description).not.toContain('old quoted text');
    const [stored] = (
      await db.query(`SELECT body FROM channels.inbound_mail WHERE from_address = $1`, [address])
    ).rows;
    expect(stored.body).not.toContain(ID_NUMBER);
  });

  it('should take one ticket when the same message is delivered twice', async () => {
    const address = 'twice@example.com';
    const message = {
      from: address,
      to: 'support@deskgraph.local',
      subject: 'Delivered twice',
      text: 'Same message again.',
      messageId: '<same-message-twice@example.com>',
    };
    await send(message);
    await send(message);
    await eventually(async () => (await ticketsOf(address)).length > 0, {
      what: 'ticket',
      timeoutMs: 60_000,
    });
    const rows = (
      await db.query(`SELECT state FROM channels.inbound_mail WHERE from_address = $1`, [address])
    ).rows;
    expect(rows).toEqual([{ state: 'DONE' }]);
    expect(await ticketsOf(address)).toHaveLength(1);
  });

  it('should thread replies by In-Reply-To and by [number] in the subject, resuming a ticket pending on the customer', async () => {
    const address = 'han.meimei@example.com';
    const { ticket, messageId } = await openTicketByMail(address, 'Router keeps rebooting');
    await setStatus(ticket.id, 'IN_PROGRESS');
    await setStatus(ticket.id, 'PENDING_CUSTOMER');
    await send({
      from: address,
      to: 'support@deskgraph.local',
      subject: 'Re: Router keeps rebooting',
      text: 'It happened again at 9:00.\n\nOn Mon, 23 Nov 2026 at 09:00, Support <support@deskgraph.local> wrote:\n> earlier text',
      inReplyTo: messageId,
      references: [messageId],
    });
    await send({
      from: address,
      to: 'support@deskgraph.local',
      subject: `Another detail [${ticket.number}]`,
      text: 'Firmware is 1.2.3.',
    });
    const updated = await eventually(
      async () => {
        const [now] = await ticketsOf(address);
        return now.messages.filter((message: { author: string }) => message.author === 'CUSTOMER').length ===
          2
          ? now
          : null;
      },
      { what: 'two customer messages', timeoutMs: 60_000 },
    );
    expect(await ticketsOf(address)).toHaveLength(1);
    expect(updated.status).toBe('IN_PROGRESS');
    const bodies = updated.messages.map((message: { body: string }) => message.body);
    expect(bodies).toContain('It happened again at 9:00.');
    expect(bodies).toContain('Firmware is 1.2.3.');
  });

  it('should open no ticket for a thread it does not own when another sender names its number', async () => {
    const { ticket } = await openTicketByMail('owner@example.com', 'My own ticket');
    const { ticket: other } = await openTicketByMail(
      'intruder@example.com',
      `Re: [${ticket.number}] let me in`,
    );
    expect(other.id).not.toBe(ticket.id);
    const [owners] = await ticketsOf('owner@example.com');
    expect(
      owners.messages.filter((message: { author: string }) => message.author === 'CUSTOMER'),
    ).toHaveLength(0);
  });

  it('should neither open tickets nor answer auto-replies, bounces and list mail', async () => {
    const automatic = [
      { from: 'ooo1@example.com', headers: { 'Auto-Submitted': 'auto-replied' } },
      { from: 'ooo2@example.com', headers: { Precedence: 'bulk' } },
      { from: 'ooo3@example.com', headers: { 'X-Autoreply': 'yes' } },
      { from: 'ooo4@example.com', headers: { 'X-Auto-Response-Suppress': 'All' } },
      { from: 'ooo5@example.com', headers: { 'List-Id': '<news.example.com>' } },
      { from: 'mailer-daemon@example.com', headers: {} },
    ];
    for (const mail of automatic) {
      await send({
        from: mail.from,
        to: 'support@deskgraph.local',
        subject: 'Out of office',
        text: 'I am away.',
        headers: mail.headers,
      });
    }
    // Stored before the 250: nothing of these is left to process afterwards.
    const rows = (
      await db.query(
        `SELECT from_address, state FROM channels.inbound_mail WHERE subject = 'Out of office' ORDER BY from_address`,
      )
    ).rows;
    expect(rows.map((row) => row.state)).toEqual(Array(automatic.length).fill('IGNORED'));
    await openTicketByMail('sentinel@example.com', 'Sentinel after the automatic mail');
    for (const mail of automatic) expect(await ticketsOf(mail.from)).toHaveLength(0);
    expect(sink.mails.filter((mail) => mail.to.some((to) => to.startsWith('ooo')))).toHaveLength(0);
  });

  it('should refuse oversized mail with 552 and mail without a sender with 550, storing nothing', async () => {
    await expect(
      send({
        from: 'big@example.com',
        to: 'support@deskgraph.local',
        subject: 'Too big',
        text: 'x'.repeat(MAX_BYTES + 10),
      }),
    ).rejects.toMatchObject({ responseCode: 552 });
    await expect(
      send({
        envelope: { from: 'broken@example.com', to: 'support@deskgraph.local' },
        raw: 'Subject: no sender\r\n\r\nbody\r\n',
      }),
    ).rejects.toMatchObject({ responseCode: 550 });
    const rows = (
      await db.query(`SELECT id FROM channels.inbound_mail WHERE subject IN ('Too big', 'no sender')`)
    ).rows;
    expect(rows).toHaveLength(0);
  });

  it('should keep accepted mail and open its ticket when tickets was down and channels died after the 250', async () => {
    await stack.processes.tickets.kill();
    try {
      await send({
        from: 'patient@example.com',
        to: 'support@deskgraph.local',
        subject: 'While tickets is down',
        text: 'Hello?',
      });
      const [row] = (
        await db.query(`SELECT state FROM channels.inbound_mail WHERE from_address = 'patient@example.com'`)
      ).rows;
      expect(row.state).toBe('PENDING');
      // Killed with the mail accepted but not yet a ticket: the stored row is all that is left of it.
      await stack.processes.channels.kill();
    } finally {
      await stack.processes.tickets.start();
      await stack.processes.channels.start();
    }
    await eventually(async () => (await ticketsOf('patient@example.com')).length === 1, {
      what: 'ticket after tickets came back',
      timeoutMs: 150_000,
    });
  }, 300_000);
});

describe('email out', () => {
  it('should send a public agent reply with threading headers, and no internal note', async () => {
    const address = 'reply.me@example.com';
    const { ticket, messageId } = await openTicketByMail(address, 'Invoice missing');
    await graphqlOk(
      stack.gatewayUrl,
      `mutation($input: ReplyInput!) { replyToTicket(input: $input) { message { id } } }`,
      { input: { ticketId: ticket.id, body: 'Internal: check billing', visibility: 'INTERNAL' } },
      admin,
    );
    await reply(ticket.id, '您好，发票已重新开具。祝您生活愉快！');
    const mail = await sinkMailTo(address);
    expect(mail.parsed.subject).toContain(`[${ticket.number}]`);
    expect(mail.parsed.text).toContain('发票已重新开具');
    expect(mail.parsed.inReplyTo).toBe(messageId);
    expect(mail.parsed.references).toContain(messageId);
    expect(mail.parsed.messageId).toMatch(/@deskgraph\.local>$/);
    expect(
      sink.mails.filter((sent) => sent.to.includes(address) && sent.parsed.text?.includes('Internal')),
    ).toHaveLength(0);
    const deliveries = await graphqlOk(
      stack.gatewayUrl,
      `query($id: ID!) { mailDeliveries(ticketId: $id) { kind state messageId toAddress } }`,
      { id: ticket.id },
      admin,
    );
    expect(deliveries.mailDeliveries).toEqual([
      { kind: 'REPLY', state: 'SENT', messageId: mail.parsed.messageId, toAddress: address },
    ]);
  });

  it('should record a 5xx refusal and tell the agent on the ticket timeline', async () => {
    const address = 'reject.me@example.com';
    const { ticket } = await openTicketByMail(address, 'Nobody home');
    await reply(ticket.id, 'Hello, we fixed it. Best regards');
    const [failed] = await eventually(
      async () => {
        const data = await graphqlOk(
          stack.gatewayUrl,
          `query($id: ID!) { mailDeliveries(ticketId: $id) { state failureReason lastCode } }`,
          { id: ticket.id },
          admin,
        );
        return data.mailDeliveries[0]?.state === 'FAILED' ? data.mailDeliveries : null;
      },
      { what: 'failed delivery', timeoutMs: 60_000 },
    );
    expect(failed).toMatchObject({ failureReason: 'REJECTED', lastCode: 550 });
    const note = await eventually(
      async () => {
        const [now] = await ticketsOf(address);
        return now.timeline.find(
          (entry: { action: string; actorId: string }) =>
            entry.action === 'NOTE_ADDED' && entry.actorId === 'service:channels',
        );
      },
      { what: 'failure note', timeoutMs: 60_000 },
    );
    expect(note).toBeTruthy();
  });

  it("should deliver other tickets' mail while the relay holds one mail's DATA, and that ticket's next mail after it", async () => {
    const slow = 'slow.relay@example.com';
    const fast = 'fast.relay@example.com';
    const slowTicket = (await openTicketByMail(slow, 'Held by the relay')).ticket;
    const fastTicket = (await openTicketByMail(fast, 'Not held')).ticket;
    const hold = sink.hold(slow);
    try {
      await reply(slowTicket.id, 'First answer, held by the relay.');
      await eventually(async () => sink.events.includes(`data ${slow}`), {
        what: 'held DATA',
        timeoutMs: 60_000,
      });
      await reply(slowTicket.id, 'Second answer, after the first.');
      await reply(fastTicket.id, 'An answer nobody holds.');
      await sinkMailTo(fast);
    } finally {
      hold.release();
    }
    const events = [...sink.events];
    // Sent while the held mail's connection was still open and its 250 not given: no round waited for it.
    const sentFast = events.indexOf(`sent ${fast}`);
    expect(sentFast).toBeGreaterThan(events.indexOf(`data ${slow}`));
    expect(events.slice(0, sentFast)).not.toContain(`sent ${slow}`);
    expect(events.slice(0, sentFast)).not.toContain(`closed ${slow}`);
    // The ticket's second mail waited for its first, so it threads under it.
    expect(events.filter((event) => event === `data ${slow}`)).toHaveLength(1);
    const [first, second] = await eventually(
      async () => {
        const mails = sink.mails.filter((mail) => mail.to.includes(slow));
        return mails.length === 2 ? mails : null;
      },
      { what: `both mails to ${slow}`, timeoutMs: 60_000 },
    );
    expect(first.parsed.text).toContain('First answer');
    expect(second.parsed.text).toContain('Second answer');
    expect(second.parsed.inReplyTo).toBe(first.parsed.messageId);
    const { rows } = await db.query(
      `SELECT state, attempts FROM channels.outbound_mail WHERE ticket_id = $1 ORDER BY created_at`,
      [slowTicket.id],
    );
    expect(rows).toEqual([
      { state: 'SENT', attempts: 1 },
      { state: 'SENT', attempts: 1 },
    ]);
  });

  it('should mark a sent reply failed when its bounce comes back', async () => {
    const address = 'bounce.me@example.com';
    const { ticket } = await openTicketByMail(address, 'Will bounce');
    await reply(ticket.id, 'Hello, here is the answer. Best regards');
    const sent = await sinkMailTo(address);
    await send({
      envelope: { from: '', to: 'support@deskgraph.local' },
      raw:
        'From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\nTo: support@deskgraph.local\r\nSubject: Undelivered Mail Returned to Sender\r\n' +
        'Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n' +
        '--b\r\nContent-Type: text/plain\r\n\r\n550 5.1.1 mailbox unavailable\r\n' +
        `--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: ${sent.parsed.messageId}\r\n--b--\r\n`,
    });
    await eventually(
      async () => {
        const data = await graphqlOk(
          stack.gatewayUrl,
          `query($id: ID!) { mailDeliveries(ticketId: $id) { state failureReason } }`,
          { id: ticket.id },
          admin,
        );
        return data.mailDeliveries[0]?.failureReason === 'BOUNCED';
      },
      { what: 'bounce recorded', timeoutMs: 60_000 },
    );
    expect(await ticketsOf('mailer-daemon@mx.example.com')).toHaveLength(0);
  });
});

describe('confirmation letter', () => {
  function links(mail: SinkMail): string[] {
    return [...(mail.parsed.text ?? '').matchAll(/https?:\/\/\S+\/confirm\/\S+/g)].map((match) =>
      match[0].replace(/^https?:\/\/[^/]+/, channelsUrl),
    );
  }

  async function resolvedWithLetter(address: string) {
    const { ticket } = await openTicketByMail(address, `Please fix ${address}`);
    await reply(ticket.id, 'Hello, fixed. Best regards');
    await setStatus(ticket.id, 'RESOLVED');
    const letter = await sinkMailTo(address, (mail) =>
      (mail.parsed.subject ?? '').includes('客户满意度确认函'),
    );
    return { ticket, letter, urls: links(letter) };
  }

  it('should close the ticket with the rating of the link followed, once', async () => {
    const { letter, urls } = await resolvedWithLetter('happy@example.com');
    expect(letter.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(urls).toHaveLength(5);
    const preview = await fetch(urls[1]);
    expect(preview.status).toBe(200);
    expect(await preview.text()).toContain('<form method="post">');
    const [before] = await ticketsOf('happy@example.com');
    expect(before.status).toBe('RESOLVED');
    const used = await fetch(urls[1], { method: 'POST' });
    expect(used.status).toBe(200);
    const [after] = await ticketsOf('happy@example.com');
    expect(after).toMatchObject({ status: 'CLOSED', satisfaction: 'SATISFIED' });
    const again = await fetch(urls[0], { method: 'POST' });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('已使用');
  });

  it('should reopen the ticket when the customer is unsatisfied', async () => {
    const { urls } = await resolvedWithLetter('unhappy@example.com');
    const used = await fetch(urls[3], { method: 'POST' });
    expect(used.status).toBe(200);
    const [after] = await ticketsOf('unhappy@example.com');
    expect(after).toMatchObject({ status: 'IN_PROGRESS', satisfaction: 'UNSATISFIED' });
  });

  it('should reopen the ticket for a second handling when the customer asks for more help', async () => {
    const { ticket, urls } = await resolvedWithLetter('more.help@example.com');
    const used = await fetch(urls[4], { method: 'POST' });
    expect(used.status).toBe(200);
    const [after] = await ticketsOf('more.help@example.com');
    expect(after).toMatchObject({ id: ticket.id, status: 'IN_PROGRESS', satisfaction: null });
    expect(after.timeline).toContainEqual(
      expect.objectContaining({ action: 'STATUS_CHANGED', result: 'reopened for second handling' }),
    );
  });

  it('should reopen a resolved ticket when the customer answers by mail, and open a follow-up for a closed one', async () => {
    const address = 'reply.after@example.com';
    const { ticket, letter } = await resolvedWithLetter(address);
    await send({
      from: address,
      to: 'support@deskgraph.local',
      subject: `Re: ${letter.parsed.subject}`,
      text: 'Still broken, sorry.',
      inReplyTo: letter.parsed.messageId,
      references: [letter.parsed.messageId!],
    });
    const reopened = await eventually(
      async () => {
        const [now] = await ticketsOf(address);
        return now.status === 'IN_PROGRESS' ? now : null;
      },
      { what: 'reopened by mail', timeoutMs: 60_000 },
    );
    expect(reopened.messages.map((message: { body: string }) => message.body)).toContain(
      'Still broken, sorry.',
    );
    await setStatus(ticket.id, 'RESOLVED');
    await setStatus(ticket.id, 'CLOSED');
    await send({
      from: address,
      to: 'support@deskgraph.local',
      subject: `Re: Please fix ${address} [${ticket.number}]`,
      text: 'It broke again a week later.',
    });
    const both = await eventually(
      async () => {
        const found = await ticketsOf(address);
        return found.length === 2 ? found : null;
      },
      { what: 'follow-up ticket', timeoutMs: 60_000 },
    );
    const followUp = both.find((found: { id: string }) => found.id !== ticket.id);
    const old = both.find((found: { id: string }) => found.id === ticket.id);
    expect(old.status).toBe('CLOSED');
    expect(followUp).toMatchObject({ channel: 'EMAIL', status: 'NEW' });
    expect(followUp.messages.map((message: { body: string }) => message.body)).toEqual([
      'It broke again a week later.',
    ]);
    // The follow-up's thread is the customer's: an agent reply there goes to them.
    await reply(followUp.id, 'Hello, we are on it again. Best regards');
    const answer = await sinkMailTo(address, (mail) => (mail.parsed.subject ?? '').includes(followUp.number));
    expect(answer.parsed.text).toContain('we are on it again');
  });

  it('should change nothing for a tampered or expired link', async () => {
    const { ticket, urls } = await resolvedWithLetter('late@example.com');
    const tampered = urls[0].replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'));
    expect((await fetch(tampered, { method: 'POST' })).status).toBe(404);
    await db.query(
      `UPDATE channels.confirmation_links SET expires_at = now() - interval '1 minute' WHERE ticket_id = $1`,
      [ticket.id],
    );
    const expired = await fetch(urls[0], { method: 'POST' });
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('已过期');
    const [after] = await ticketsOf('late@example.com');
    expect(after).toMatchObject({ status: 'RESOLVED', satisfaction: null });
  });
});
