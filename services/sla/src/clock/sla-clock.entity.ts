import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Priority, SlaTarget } from '../policy/sla-policy';

export type SlaClockState = 'RUNNING' | 'PAUSED' | 'FULFILLED' | 'BREACHED' | 'STOPPED';
export type PauseReason = 'WAITING_ON_CUSTOMER' | 'WAITING_ON_THIRD_PARTY';

/** Stored pause; ISO strings because it lives in JSONB. */
export interface StoredPause {
  from: string;
  to: string | null;
  reason: PauseReason;
}

const bigint = { to: (value: number) => value, from: (value: string | number) => Number(value) };

/** One target's clock on one ticket; NEXT_RESPONSE reuses its row with a new cycle. */
@Entity({ name: 'clocks' })
export class SlaClockEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'ticket_id' })
  ticketId: string;

  @Column('text', { name: 'queue_id' })
  queueId: string;

  @Column('text')
  target: SlaTarget;

  @Column('integer')
  cycle: number;

  @Column('text')
  state: SlaClockState;

  @Column('text')
  priority: Priority;

  @Column('timestamptz', { name: 'started_at' })
  startedAt: Date;

  @Column('bigint', { name: 'target_ms', transformer: bigint })
  targetMs: number;

  @Column('real', { name: 'warning_share' })
  warningShare: number;

  @Column('timestamptz', { name: 'due_at', nullable: true })
  dueAt: Date | null;

  @Column('timestamptz', { name: 'warning_at', nullable: true })
  warningAt: Date | null;

  @Column('boolean', { name: 'business_time' })
  businessTime: boolean;

  @Column('integer', { name: 'policy_version' })
  policyVersion: number;

  @Column('text', { name: 'calendar_id', nullable: true })
  calendarId: string | null;

  @Column('integer', { name: 'calendar_version', nullable: true })
  calendarVersion: number | null;

  @Column('jsonb')
  pauses: StoredPause[];

  @Column('timestamptz', { name: 'warned_at', nullable: true })
  warnedAt: Date | null;

  @Column('timestamptz', { name: 'breached_at', nullable: true })
  breachedAt: Date | null;

  @Column('timestamptz', { name: 'fulfilled_at', nullable: true })
  fulfilledAt: Date | null;

  @Column('timestamptz', { name: 'stopped_at', nullable: true })
  stoppedAt: Date | null;
}

/** What the SLA service knows of a ticket, learnt from ticket events only. */
@Entity({ name: 'tracked_tickets' })
export class TrackedTicketEntity {
  @PrimaryColumn('uuid', { name: 'ticket_id' })
  ticketId: string;

  @Column('text', { name: 'queue_id' })
  queueId: string;

  @Column('text', { name: 'customer_id' })
  customerId: string;

  @Column('text')
  priority: Priority;

  @Column('text', { name: 'ticket_type' })
  ticketType: string;

  @Column('text', { name: 'customer_type', nullable: true })
  customerType: string | null;

  @Column('text')
  status: string;

  /** Last ticket version applied, to spot stale or out-of-order events. */
  @Column('integer')
  version: number;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  /** Latest event time seen for the ticket (its own clock, not when it arrived). */
  @Column('timestamptz', { name: 'last_event_at', nullable: true })
  lastEventAt: Date | null;

  /**
   * Set while the ticket's seeded history arrives (events marked `seedclock`):
   * until then, timers due after `lastEventAt` wait for the events still coming.
   */
  @Column('timestamptz', { name: 'hold_timers_until', nullable: true })
  holdTimersUntil: Date | null;
}

@Entity({ name: 'timers' })
export class SlaTimerEntity {
  @PrimaryColumn({ type: 'bigint', generated: 'increment' })
  id: string;

  @Column('uuid', { name: 'clock_id' })
  clockId: string;

  @Column('integer')
  cycle: number;

  @Column('text')
  kind: 'WARNING' | 'BREACH';

  @Column('timestamptz', { name: 'fire_at' })
  fireAt: Date;

  @Column('timestamptz', { name: 'fired_at', nullable: true })
  firedAt: Date | null;
}
