import { queryPrepared } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { TICKETS_SCHEMA } from '../database/data-source';
import { formatTicketNumber, ticketMonthKey } from './ticket-number';

const HOUR_MS = 3_600_000;

/** `"tickets"."ticket_number_YYYYMM"`; the month key is digits only (checked). */
export function ticketNumberSequence(monthKey: string): string {
  if (!/^\d{6}$/.test(monthKey)) throw new RangeError(`"${monthKey}" is not a YYYYMM month key`);
  return `"${TICKETS_SCHEMA}"."ticket_number_${monthKey}"`;
}

/**
 * Numbers tickets `YYYYMM-NNN` from one PostgreSQL SEQUENCE per desk-time-zone
 * month. `nextval` holds no lock until commit, so concurrent creations never
 * wait on each other for their number (an upserted counter row did: its lock
 * lasted until commit, fsync included). Numbers are unique within the month
 * and increase in the order creations take them, which is late in the
 * transaction; a creation that rolls back after taking one leaves a gap.
 * CACHE 1 keeps that order across connections and processes.
 */
export class TicketNumberAllocator {
  private readonly ensured = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly timeZone: string,
  ) {}

  /**
   * Before a creation's transaction: makes sure the sequence of this month
   * exists, and that of the next one when it starts within the hour, so
   * `allocate` normally needs no DDL and no second connection.
   */
  async prepare(at: Date): Promise<void> {
    for (const instant of [at, new Date(at.getTime() + HOUR_MS)]) {
      await this.ensure(ticketMonthKey(instant, this.timeZone));
    }
  }

  /** Takes the next number of `at`'s month inside the creation's transaction. */
  async allocate(manager: EntityManager, at: Date): Promise<string> {
    const monthKey = ticketMonthKey(at, this.timeZone);
    await this.ensure(monthKey);
    const [{ value }] = await queryPrepared<{ value: string }>(
      manager,
      `SELECT nextval($1::regclass) AS value`,
      [ticketNumberSequence(monthKey)],
    );
    return formatTicketNumber(monthKey, Number(value));
  }

  private async ensure(monthKey: string): Promise<void> {
    if (this.ensured.has(monthKey)) return;
    try {
      await this.dataSource.query(
        `CREATE SEQUENCE IF NOT EXISTS ${ticketNumberSequence(monthKey)} AS bigint MINVALUE 1 CACHE 1`,
      );
    } catch (error) {
      // Another process created it at the same moment: IF NOT EXISTS is not race-free in PostgreSQL.
      const code = (error as { code?: string }).code;
      if (code !== '23505' && code !== '42P07') throw error;
    }
    this.ensured.add(monthKey);
  }
}
