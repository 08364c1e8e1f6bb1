import type { DataSource, EntityManager } from 'typeorm';
import { TicketNumberAllocator, ticketNumberSequence } from '../ticket-number-allocator';

function fakeDatabase(nextValue = 7) {
  const ddl: string[] = [];
  const dataSource = { query: async (sql: string) => void ddl.push(sql) } as unknown as DataSource;
  const taken: unknown[][] = [];
  const manager = {
    query: async (_sql: string, parameters: unknown[]) => {
      taken.push(parameters);
      return [{ value: String(nextValue) }];
    },
  } as unknown as EntityManager;
  return { ddl, dataSource, manager, taken };
}

describe('ticket number allocator', () => {
  it('should create next month’s sequence ahead of time when the desk month ends within the hour', async () => {
    const { ddl, dataSource } = fakeDatabase();
    const allocator = new TicketNumberAllocator(dataSource, 'Asia/Shanghai');

    await allocator.prepare(new Date('2026-11-30T15:30:00Z')); // 23:30 in Shanghai

    expect(ddl).toEqual([
      'CREATE SEQUENCE IF NOT EXISTS "tickets"."ticket_number_202611" AS bigint MINVALUE 1 CACHE 1',
      'CREATE SEQUENCE IF NOT EXISTS "tickets"."ticket_number_202612" AS bigint MINVALUE 1 CACHE 1',
    ]);
  });

  it('should take the number from the sequence of the desk month without creating it again', async () => {
    const { ddl, dataSource, manager, taken } = fakeDatabase(1000);
    const allocator = new TicketNumberAllocator(dataSource, 'Asia/Shanghai');
    await allocator.prepare(new Date('2026-11-10T00:00:00Z'));
    const created = ddl.length;

    const number = await allocator.allocate(manager, new Date('2026-11-10T00:00:01Z'));

    expect(number).toBe('202611-1000');
    expect(taken).toEqual([['"tickets"."ticket_number_202611"']]);
    expect(ddl).toHaveLength(created);
  });

  it('should treat a sequence another process created at the same moment as created', async () => {
    const dataSource = {
      query: async () => {
        throw Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
      },
    } as unknown as DataSource;
    const allocator = new TicketNumberAllocator(dataSource, 'UTC');

    await expect(allocator.prepare(new Date('2026-11-10T00:00:00Z'))).resolves.toBeUndefined();
  });

  it('should refuse month keys that are not six digits when naming a sequence', () => {
    expect(() => ticketNumberSequence('2026-11')).toThrow(RangeError);
  });
});
