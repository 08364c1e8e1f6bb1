import { parseValue } from 'graphql';
import { DateTimeScalar, parseIsoDateTime } from '../scalars';

describe('DateTimeScalar', () => {
  it('should take ISO 8601 date-times with an offset', () => {
    expect(DateTimeScalar.parseValue('2026-11-20T09:00:00Z')).toEqual(new Date('2026-11-20T09:00:00.000Z'));
    expect(DateTimeScalar.parseValue('2026-11-20T17:00:00.250+08:00')).toEqual(
      new Date('2026-11-20T09:00:00.250Z'),
    );
    expect(parseIsoDateTime('2026-11-20T09:00Z')).toEqual(new Date('2026-11-20T09:00:00Z'));
  });

  it.each(['yesterday', '2026-13-45', '2026-02-30T00:00:00Z', '2026-12-01', '2026-12-01T00:00:00', '1', ''])(
    'should refuse %p naming the expected format',
    (value) => {
      expect(() => DateTimeScalar.parseValue(value)).toThrow(
        'DateTime must be an ISO 8601 date-time with a UTC offset, e.g. 2026-11-20T09:00:00Z',
      );
    },
  );

  it('should refuse a literal that is not a string when parsing a literal', () => {
    expect(() => DateTimeScalar.parseLiteral(parseValue('5'))).toThrow('DateTime must be an ISO 8601');
    expect(DateTimeScalar.parseLiteral(parseValue('"2026-11-20T09:00:00Z"'))).toEqual(
      new Date('2026-11-20T09:00:00Z'),
    );
  });
});
