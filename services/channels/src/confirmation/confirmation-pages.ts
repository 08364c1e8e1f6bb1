import type { Express, Response } from 'express';
import { CHOICE_LABELS, type ConfirmationLetters, type LinkOutcome } from './confirmation-letters';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(response: Response, status: number, title: string, body: string): void {
  response
    .status(status)
    .type('html')
    .set('Cache-Control', 'no-store')
    .set('Referrer-Policy', 'no-referrer')
    .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .send(
      `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
        `<title>${escapeHtml(title)}</title><style>body{font-family:sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}button{font-size:1.1rem;padding:.6rem 1.4rem}</style></head>` +
        `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}

/** The page for every outcome: what happened, and that nothing changed when it did not work. */
function outcomePage(response: Response, outcome: LinkOutcome): void {
  switch (outcome.kind) {
    case 'DONE':
      return page(
        response,
        200,
        '感谢您的反馈 / Thank you',
        `<p>已记录：${escapeHtml(CHOICE_LABELS[outcome.choice])}</p>`,
      );
    case 'INVALID':
      return page(
        response,
        404,
        '链接无效 / Invalid link',
        '<p>此链接无效或已被修改，未做任何更改。/ This link is not valid; nothing was changed.</p>',
      );
    case 'USED':
      return page(
        response,
        410,
        '链接已使用 / Link already used',
        '<p>此确认函已使用过，未做任何更改。/ This letter was already used; nothing was changed.</p>',
      );
    case 'EXPIRED':
      return page(
        response,
        410,
        '链接已过期 / Link expired',
        '<p>此链接已过期，未做任何更改。如需帮助请回复邮件。/ This link has expired; nothing was changed. Reply to the mail if you need help.</p>',
      );
    case 'REFUSED':
      return page(
        response,
        409,
        '无法确认 / Cannot confirm',
        `<p>工单当前无法确认，未做任何更改。/ The ticket cannot be confirmed now; nothing was changed.</p><p>${escapeHtml(outcome.message)}</p>`,
      );
    case 'UNAVAILABLE':
      return page(
        response,
        503,
        '请稍后再试 / Try again later',
        '<p>服务暂时不可用，未做任何更改。/ The service is unavailable; nothing was changed.</p>',
      );
    case 'READY':
      return;
  }
}

/**
 * GET shows what the link will do and a button; POST does it. Mail scanners
 * and link previews fetch GET URLs on their own, and must not use up a
 * customer's single-use link or rate for them.
 */
export function confirmationRoutes(app: Express, letters: ConfirmationLetters): void {
  app.get('/confirm/:token', async (request, response) => {
    const outcome = await letters
      .inspect(request.params.token)
      .catch(() => ({ kind: 'UNAVAILABLE' }) as const);
    if (outcome.kind !== 'READY') return outcomePage(response, outcome);
    page(
      response,
      200,
      '客户满意度确认 / Confirm',
      `<p>工单 / Ticket ${escapeHtml(outcome.ticketNumber ?? '')}</p>` +
        `<form method="post"><button type="submit">${escapeHtml(CHOICE_LABELS[outcome.choice])}</button></form>`,
    );
  });
  app.post('/confirm/:token', async (request, response) => {
    outcomePage(response, await letters.use(request.params.token));
  });
}
