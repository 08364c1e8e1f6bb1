import { TicketError } from '../../ticket/ticket.errors';
import { requestFingerprint, requestIdempotencyKey } from '../idempotency-keys';

describe('idempotency keys', () => {
  it('should fingerprint the same input alike when only field order, nulls or the key differ', () => {
    const first = requestFingerprint('createTicket', {
      title: 'Refund',
      customer: { name: 'Li', id: 'C-1' },
      priority: null,
      dueAt: new Date('2026-11-29T10:00:00Z'),
      idempotencyKey: 'a',
    });
    const retry = requestFingerprint('createTicket', {
      dueAt: new Date('2026-11-29T10:00:00Z'),
      customer: { id: 'C-1', name: 'Li' },
      title: 'Refund',
      idempotencyKey: 'b',
    });

    expect(retry).toBe(first);
  });

  it('should fingerprint differently when a value, a list order or the mutation differs', () => {
    const input = { title: 'Refund', tags: ['a', 'b'] };

    expect(requestFingerprint('createTicket', { ...input, title: 'Refunds' })).not.toBe(
      requestFingerprint('createTicket', input),
    );
    expect(requestFingerprint('createTicket', { ...input, tags: ['b', 'a'] })).not.toBe(
      requestFingerprint('createTicket', input),
    );
    expect(requestFingerprint('replyToTicket', input)).not.toBe(requestFingerprint('createTicket', input));
  });

  it('should take the key from the header or the input, and none when neither has one', () => {
    expect(requestIdempotencyKey('from-header', { title: 'x' })).toBe('from-header');
    expect(requestIdempotencyKey(null, { idempotencyKey: 'from-input' })).toBe('from-input');
    expect(requestIdempotencyKey('same', { idempotencyKey: 'same' })).toBe('same');
    expect(requestIdempotencyKey(null, { title: 'x' })).toBeNull();
  });

  it('should refuse keys that differ between header and input, are blank, too long or not ASCII', () => {
    for (const [header, field] of [
      ['one', 'two'],
      [null, ''],
      [null, 'x'.repeat(256)],
      [null, 'with space'],
      [null, '幂等键'],
    ] as const) {
      expect(() => requestIdempotencyKey(header, { idempotencyKey: field })).toThrow(TicketError);
    }
  });
});
