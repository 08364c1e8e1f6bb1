import { formatTicketNumber, parseTicketNumber, ticketMonthKey } from '../ticket-number';

describe('ticket numbers', () => {
  it('should pad to three digits and grow past 999 when the month is busy', () => {
    expect(formatTicketNumber('202611', 1)).toBe('202611-001');
    expect(formatTicketNumber('202611', 999)).toBe('202611-999');
    expect(formatTicketNumber('202611', 1000)).toBe('202611-1000');
  });

  it('should use the desk time zone when an instant falls in another month in UTC', () => {
    const lateNovemberUtc = new Date('2026-11-30T17:00:00Z');

    expect(ticketMonthKey(lateNovemberUtc, 'Asia/Shanghai')).toBe('202612');
    expect(ticketMonthKey(lateNovemberUtc, 'UTC')).toBe('202611');
  });

  it("should change month at the zone's midnight to the millisecond when keys are remembered per quarter hour", () => {
    // Kolkata is UTC+5:30: its month starts half-way through a UTC hour.
    const zone = 'Asia/Kolkata';
    const instants = ['2026-11-30T18:15:00.000Z', '2026-11-30T18:29:59.999Z', '2026-11-30T18:30:00.000Z'];
    // Twice: the first call computes, the second reads what was remembered.
    for (let round = 0; round < 2; round++) {
      expect(instants.map((instant) => ticketMonthKey(new Date(instant), zone))).toEqual([
        '202611',
        '202611',
        '202612',
      ]);
    }
  });

  it('should refuse sequences and months that cannot form a number', () => {
    expect(() => formatTicketNumber('202611', 0)).toThrow(RangeError);
    expect(() => formatTicketNumber('202611', 1.5)).toThrow(RangeError);
    expect(() => formatTicketNumber('202613', 1)).toThrow(RangeError);
  });

  it('should parse only canonical numbers when reading user input', () => {
    expect(parseTicketNumber('202611-001')).toEqual({ monthKey: '202611', sequence: 1 });
    expect(parseTicketNumber('202611-1000')).toEqual({ monthKey: '202611', sequence: 1000 });
    expect(parseTicketNumber('202611-01')).toBeNull();
    expect(parseTicketNumber('202611-0001')).toBeNull();
    expect(parseTicketNumber('202613-001')).toBeNull();
    expect(parseTicketNumber('abc')).toBeNull();
  });
});
