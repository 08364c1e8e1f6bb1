import { createLogger, redactLogArguments } from '../../logging/logger';
import { maskResolverArguments, maskSensitiveValues } from '../mask-input';

const CARD = '6228480428370453';
const ID = '11010519491231002X';

describe('maskSensitiveValues', () => {
  it('should mask every string at any depth of input objects and lists', () => {
    const input = {
      title: `卡号 ${CARD}`,
      customer: { name: `王 ${ID}`, contact: `+86 139-1234-5677 ${CARD}` },
      attachments: [{ name: `statement-${CARD}.pdf`, sizeBytes: 10 }],
      tags: [CARD, 'vip'],
      amount: 10,
      when: null,
    };

    expect(maskSensitiveValues(input, { phoneNumberFields: ['customer.contact'] })).toEqual({
      title: '卡号 ************0453',
      customer: { name: '王 **************002X', contact: '+86 139-1234-5677 ************0453' },
      attachments: [{ name: 'statement-************0453.pdf', sizeBytes: 10 }],
      tags: ['************0453', 'vip'],
      amount: 10,
      when: null,
    });
  });

  it('should return the same object when nothing needs masking', () => {
    const input = { title: 'Call +86 139-1234-5677', nested: { list: ['a', 'b'] } };

    expect(maskSensitiveValues(input)).toBe(input);
  });

  it('should keep a possible phone number in a phone field that elsewhere would be masked', () => {
    // 13 digits, Luhn-valid, Visa prefix: the length of a German number, but no valid one.
    const contact = '+49 10000008710';
    const masked = maskSensitiveValues({ contact, note: contact }, { phoneNumberFields: ['contact'] });

    expect(masked.contact).toBe(contact);
    expect(masked.note).not.toBe(contact);
  });
});

describe('maskResolverArguments', () => {
  it('should hand Query and Mutation resolvers masked arguments and leave other types alone', async () => {
    const seen: unknown[] = [];
    const resolvers = maskResolverArguments({
      Query: { search: (_parent: unknown, args: unknown) => seen.push(args) },
      Mutation: { create: (_parent: unknown, args: unknown) => seen.push(args) },
      Ticket: { title: (parent: { title: string }) => parent.title },
    });

    resolvers.Query.search(null, { text: CARD });
    resolvers.Mutation.create(null, { input: { body: ID } });

    expect(seen).toEqual([{ text: '************0453' }, { input: { body: '**************002X' } }]);
    expect(resolvers.Ticket.title({ title: CARD })).toBe(CARD);
  });
});

describe('redactLogArguments', () => {
  it('should mask messages, fields and errors handed to a log call', () => {
    const [fields, message] = redactLogArguments([
      { body: `card ${CARD}`, err: new Error(`insert failed for ${ID}`), count: 2 },
      `created for ${CARD}`,
    ]) as [{ body: string; err: Error; count: number }, string];

    expect(fields.body).toBe('card ************0453');
    expect(fields.err).toBeInstanceOf(Error);
    expect(fields.err.message).toBe('insert failed for **************002X');
    expect(fields.err.stack).not.toContain(ID);
    expect(fields.count).toBe(2);
    expect(message).toBe('created for ************0453');
  });
});

describe('createLogger', () => {
  it('should write log lines with ID and card numbers masked, child loggers included', () => {
    const lines: string[] = [];
    const logger = createLogger('test', 'info', { write: (line: string) => void lines.push(line) });

    logger.info({ body: `card ${CARD}` }, 'created for %s', ID);
    logger.child({ component: 'relay' }).error({ err: new Error(`failed for ${CARD}`) }, `retry ${ID}`);

    const written = lines.join('');
    expect(written).toContain('card ************0453');
    expect(written).toContain('created for **************002X');
    expect(written).toContain('failed for ************0453');
    expect(written).not.toContain(CARD);
    expect(written).not.toContain(ID);
  });
});
