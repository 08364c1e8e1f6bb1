import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imapModel } from '../environment';

const box = { name: 'support', host: 'imap.example.com', user: 'support@example.com' };

describe('IMAP_MAILBOXES', () => {
  it('should poll nothing when it is empty', () => {
    expect(imapModel.parse({})).toEqual({ mailboxes: [] });
  });

  it('should take the password from the variable it names and default the rest', () => {
    const parsed = imapModel.parse({
      IMAP_MAILBOXES: JSON.stringify([{ ...box, passwordEnv: 'IMAP_PW' }]),
      IMAP_PW: 's3cret',
    });
    expect(parsed.mailboxes).toEqual([
      {
        ...box,
        port: 993,
        tls: 'implicit',
        rejectUnauthorized: true,
        password: 's3cret',
        folder: 'INBOX',
        idle: true,
        pollIntervalMs: 60_000,
        moveTo: null,
      },
    ]);
  });

  it('should read the password from a secret file, without its trailing newline', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'imap-secret-')), 'password');
    writeFileSync(file, 'from-file\n');
    const parsed = imapModel.parse({
      IMAP_MAILBOXES: JSON.stringify([{ ...box, tls: 'starttls', passwordFile: file }]),
    });
    expect(parsed.mailboxes[0]).toMatchObject({ password: 'from-file', port: 143, tls: 'starttls' });
  });

  it('should report every problem when mailboxes are misconfigured', () => {
    const result = imapModel.safeParse({
      IMAP_MAILBOXES: JSON.stringify([
        { ...box, passwordEnv: 'MISSING_PW' },
        { ...box, passwordEnv: 'IMAP_PW', passwordFile: '/x' },
        { ...box, passwordEnv: 'IMAP_PW', tls: 'maybe', extra: true },
      ]),
      IMAP_PW: 'x',
    });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('IMAP_MAILBOXES.1: give exactly one of passwordEnv and passwordFile'),
        expect.stringMatching(/^IMAP_MAILBOXES\.2\.tls/),
        expect.stringMatching(/^IMAP_MAILBOXES\.2: Unrecognized key/),
      ]),
    );
  });

  it('should say what is wrong with a password variable that is not set', () => {
    const result = imapModel.safeParse({
      IMAP_MAILBOXES: JSON.stringify([{ ...box, passwordEnv: 'MISSING_PW' }]),
    });
    expect(result.error!.issues.map((issue) => issue.message)).toEqual(['MISSING_PW is not set or empty']);
  });

  it('should refuse JSON that does not parse', () => {
    const result = imapModel.safeParse({ IMAP_MAILBOXES: '[{' });
    expect(result.error!.issues[0].message).toMatch(/^must be a JSON array of mailboxes/);
  });
});
