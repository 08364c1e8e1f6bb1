import { randomUUID } from 'node:crypto';
import {
  buildEvent,
  SlaClockFulfilledV1,
  SlaClockPausedV1,
  SlaClockRecomputedV1,
  SlaClockResumedV1,
  SlaClockStartedV1,
  SlaClockStoppedV1,
  type DeskgraphEvent,
} from '@deskgraph/events';
import type { OutboxWriter } from '@deskgraph/platform';
import { In, type EntityManager } from 'typeorm';
import type { BusinessCalendar } from '../calendar/business-calendar';
import { addBusinessTime } from '../calendar/business-time';
import type { PolicyStore } from '../policy/policy-store';
import {
  applicableRules,
  strictestRule,
  type SlaPolicyDefinition,
  type SlaTarget,
} from '../policy/sla-policy';
import { clockInserts } from './clock-insert';
import { dueAt, elapsedMs, warningAt, type ClockInput } from './clock-math';
import {
  SlaClockEntity,
  SlaTimerEntity,
  type PauseReason,
  type TrackedTicketEntity,
} from './sla-clock.entity';

export const EVENT_SOURCE = '/deskgraph/sla';

interface PlannedStart {
  clock: SlaClockEntity;
  timers: Partial<SlaTimerEntity>[];
  event: DeskgraphEvent;
}
const OPEN_STATES = ['RUNNING', 'PAUSED', 'BREACHED'] as const;

/**
 * Drives clocks from ticket facts: start, pause, resume, fulfil, stop and
 * recompute, each persisted with its timers and its event in the caller's
 * transaction.
 */
export class ClockEngine {
  constructor(
    private readonly policies: PolicyStore,
    private readonly outbox: OutboxWriter,
  ) {}

  async calendarOf(manager: EntityManager, clock: SlaClockEntity): Promise<BusinessCalendar | null> {
    if (!clock.businessTime || !clock.calendarId || !clock.calendarVersion) return null;
    return (
      await this.policies.version<BusinessCalendar>(
        manager,
        'calendars',
        clock.calendarId,
        clock.calendarVersion,
      )
    ).definition;
  }

  clockInput(clock: SlaClockEntity, calendar: BusinessCalendar | null): ClockInput {
    return {
      calendar,
      startedAt: clock.startedAt,
      targetMs: clock.targetMs,
      pauses: clock.pauses.map((pause) => ({
        from: new Date(pause.from),
        to: pause.to ? new Date(pause.to) : null,
      })),
    };
  }

  /** Lets the engine read policies and calendars from memory for the rest of `manager`'s transaction. */
  refreshDefinitions(manager: EntityManager): Promise<void> {
    return this.policies.refresh(manager);
  }

  /** Starts a target's clock, or restarts it as a new cycle (NEXT_RESPONSE, reopened RESOLUTION). */
  async start(
    manager: EntityManager,
    ticket: TrackedTicketEntity,
    target: SlaTarget,
    at: Date,
  ): Promise<SlaClockEntity | null> {
    const existing = await manager.findOne(SlaClockEntity, {
      where: { ticketId: ticket.ticketId, target },
      lock: { mode: 'pessimistic_write' },
    });
    const planned = await this.planStart(manager, ticket, target, at, existing);
    if (!planned) return null;
    await manager.save(planned.clock);
    await this.clearTimers(manager, planned.clock);
    if (planned.timers.length) await manager.insert(SlaTimerEntity, planned.timers);
    await this.emit(manager, [planned.event]);
    return planned.clock;
  }

  /**
   * Starts the first-response and resolution clocks of tickets new to the
   * service (so without clocks yet): one statement for all of them (clocks,
   * timers and events), which is what a consumer batch of creations costs.
   */
  async startNewTickets(manager: EntityManager, tickets: TrackedTicketEntity[]): Promise<void> {
    const planned: PlannedStart[] = [];
    for (const ticket of tickets) {
      for (const target of ['FIRST_RESPONSE', 'RESOLUTION'] as const) {
        const start = await this.planStart(manager, ticket, target, ticket.createdAt, null);
        if (start) planned.push(start);
      }
    }
    if (planned.length === 0) return;
    await this.outbox.enqueue(
      manager,
      planned.map(({ event }) => event),
      clockInserts(
        planned.map(({ clock }) => clock),
        planned.flatMap(({ timers }) => timers),
      ),
    );
  }

  /** The clock a start gives, with its timers and its event, computed in memory. */
  private async planStart(
    manager: EntityManager,
    ticket: TrackedTicketEntity,
    target: SlaTarget,
    at: Date,
    existing: SlaClockEntity | null,
  ): Promise<PlannedStart | null> {
    const policy = await this.policies.effective<SlaPolicyDefinition>(manager, 'policies', 'default', at);
    const chosen = await this.resolveRule(manager, policy.definition, target, ticket, at);
    if (!chosen) return null;
    const clock =
      existing ??
      manager.create(SlaClockEntity, { id: randomUUID(), ticketId: ticket.ticketId, target, cycle: 0 });
    Object.assign(clock, {
      queueId: ticket.queueId,
      cycle: clock.cycle + 1,
      state: 'RUNNING',
      priority: ticket.priority,
      startedAt: at,
      targetMs: Math.round(chosen.rule.minutes * 60_000),
      warningShare: policy.definition.warningShare,
      businessTime: chosen.rule.businessTime,
      policyVersion: policy.version,
      calendarId: chosen.calendar ? chosen.calendarId : null,
      calendarVersion: chosen.calendar ? chosen.calendarVersion : null,
      pauses: [],
      warnedAt: null,
      breachedAt: null,
      fulfilledAt: null,
      stoppedAt: null,
    });
    const timers = this.schedule(clock, chosen.calendar);
    const event = buildEvent(SlaClockStartedV1, {
      source: EVENT_SOURCE,
      subject: clock.ticketId,
      data: {
        clockId: clock.id,
        ticketId: clock.ticketId,
        queueId: clock.queueId,
        target: clock.target,
        priority: clock.priority,
        startedAt: at.toISOString(),
        dueAt: clock.dueAt!.toISOString(),
        businessTime: clock.businessTime,
        cycle: clock.cycle,
        warningAt: clock.warningAt!.toISOString(),
        policyVersion: clock.policyVersion,
      },
    });
    return { clock, timers, event };
  }

  async pauseAll(
    manager: EntityManager,
    ticket: TrackedTicketEntity,
    reason: PauseReason,
    at: Date,
  ): Promise<void> {
    // A breached clock pauses too: waiting on the customer does not add to how overdue it is.
    for (const clock of await this.clocks(manager, ticket.ticketId, ['RUNNING', 'BREACHED'])) {
      clock.pauses = [...clock.pauses, { from: at.toISOString(), to: null, reason }];
      clock.state = 'PAUSED';
      await this.reschedule(manager, clock, await this.calendarOf(manager, clock));
      await this.emit(manager, [
        buildEvent(SlaClockPausedV1, {
          source: EVENT_SOURCE,
          subject: clock.ticketId,
          data: { ...this.base(clock, at), reason },
        }),
      ]);
    }
  }

  /** Resumes paused clocks; with `reason`, only those paused for it (a customer's reply ends only their wait). */
  async resumeAll(
    manager: EntityManager,
    ticket: TrackedTicketEntity,
    at: Date,
    reason?: PauseReason,
  ): Promise<void> {
    for (const clock of await this.clocks(manager, ticket.ticketId, ['PAUSED'])) {
      const open = clock.pauses.at(-1)!;
      if (reason && open.reason !== reason) continue;
      clock.pauses = [...clock.pauses.slice(0, -1), { ...open, to: at.toISOString() }];
      const calendar = await this.calendarOf(manager, clock);
      // A breached clock stays breached unless the pause carried its due time past now.
      const due = dueAt(this.clockInput(clock, calendar));
      clock.state = clock.breachedAt && due && due.getTime() <= at.getTime() ? 'BREACHED' : 'RUNNING';
      await this.reschedule(manager, clock, calendar);
      await this.emit(manager, [
        buildEvent(SlaClockResumedV1, {
          source: EVENT_SOURCE,
          subject: clock.ticketId,
          data: {
            ...this.base(clock, at),
            dueAt: clock.dueAt!.toISOString(),
            pausedMs: Math.max(0, at.getTime() - new Date(open.from).getTime()),
          },
        }),
      ]);
    }
  }

  async fulfil(manager: EntityManager, ticketId: string, target: SlaTarget, at: Date): Promise<boolean> {
    const [clock] = await this.clocks(manager, ticketId, [...OPEN_STATES], target);
    if (!clock) return false;
    const calendar = await this.calendarOf(manager, clock);
    if (clock.state === 'PAUSED')
      clock.pauses = clock.pauses.map((pause) => (pause.to ? pause : { ...pause, to: at.toISOString() }));
    // Met after its due time is a breach even when the breach timer has not fired yet (the
    // event arrived late, or within the scheduler's second): record it at the due time.
    const due = dueAt(this.clockInput(clock, calendar));
    if (!clock.breachedAt && due && at.getTime() > due.getTime()) clock.breachedAt = due;
    clock.state = 'FULFILLED';
    clock.fulfilledAt = at;
    await this.clearTimers(manager, clock);
    await manager.save(clock);
    await this.emit(manager, [
      buildEvent(SlaClockFulfilledV1, {
        source: EVENT_SOURCE,
        subject: clock.ticketId,
        data: {
          ...this.base(clock, at),
          dueAt: clock.dueAt?.toISOString() ?? null,
          breached: clock.breachedAt !== null,
          elapsedMs: Math.max(0, Math.round(elapsedMs(this.clockInput(clock, calendar), at))),
          businessTime: clock.businessTime,
        },
      }),
    ]);
    return true;
  }

  async stop(manager: EntityManager, ticketId: string, at: Date, targets?: SlaTarget[]): Promise<void> {
    for (const clock of await this.clocks(manager, ticketId, [...OPEN_STATES])) {
      if (targets && !targets.includes(clock.target)) continue;
      clock.state = 'STOPPED';
      clock.stoppedAt = at;
      await this.clearTimers(manager, clock);
      await manager.save(clock);
      await this.emit(manager, [
        buildEvent(SlaClockStoppedV1, {
          source: EVENT_SOURCE,
          subject: clock.ticketId,
          data: this.base(clock, at),
        }),
      ]);
    }
  }

  /** A priority change recomputes open clocks from their start under the policy version they started with. */
  async recompute(manager: EntityManager, ticket: TrackedTicketEntity, at: Date): Promise<void> {
    for (const clock of await this.clocks(manager, ticket.ticketId, [...OPEN_STATES])) {
      const policy = await this.policies.version<SlaPolicyDefinition>(
        manager,
        'policies',
        'default',
        clock.policyVersion,
      );
      const chosen = await this.resolveRule(
        manager,
        policy.definition,
        clock.target,
        ticket,
        clock.startedAt,
      );
      if (!chosen) continue;
      const previousDueAt = clock.dueAt;
      clock.priority = ticket.priority;
      clock.targetMs = Math.round(chosen.rule.minutes * 60_000);
      clock.businessTime = chosen.rule.businessTime;
      clock.calendarId = chosen.calendar ? chosen.calendarId : null;
      clock.calendarVersion = chosen.calendar ? chosen.calendarVersion : null;
      // A breach the new target no longer implies is withdrawn (the emitted breach stays on record and
      // does not fire again); one it still implies stands.
      if (clock.state === 'BREACHED') {
        const due = dueAt(this.clockInput(clock, chosen.calendar));
        if (due && due.getTime() > at.getTime()) clock.state = 'RUNNING';
      }
      await this.reschedule(manager, clock, chosen.calendar);
      await this.emit(manager, [
        buildEvent(SlaClockRecomputedV1, {
          source: EVENT_SOURCE,
          subject: clock.ticketId,
          data: {
            ...this.base(clock, at),
            priority: clock.priority,
            previousDueAt: previousDueAt?.toISOString() ?? null,
            dueAt: clock.dueAt?.toISOString() ?? null,
            targetMs: clock.targetMs,
          },
        }),
      ]);
    }
  }

  async moveQueue(manager: EntityManager, ticketId: string, queueId: string): Promise<void> {
    await manager.update(SlaClockEntity, { ticketId }, { queueId });
  }

  /** Recomputes due and warning times and replaces the clock's pending timers. */
  private async reschedule(
    manager: EntityManager,
    clock: SlaClockEntity,
    calendar: BusinessCalendar | null,
  ): Promise<void> {
    const timers = this.schedule(clock, calendar);
    await manager.save(clock);
    await this.clearTimers(manager, clock);
    if (timers.length) await manager.insert(SlaTimerEntity, timers);
  }

  /** Sets the clock's due and warning times; returns the timers a running clock needs. */
  private schedule(clock: SlaClockEntity, calendar: BusinessCalendar | null): Partial<SlaTimerEntity>[] {
    const input = this.clockInput(clock, calendar);
    clock.dueAt = dueAt(input);
    clock.warningAt = warningAt(input, clock.warningShare);
    if (clock.state !== 'RUNNING') return [];
    const timers: Partial<SlaTimerEntity>[] = [];
    if (!clock.warnedAt && clock.warningAt) timers.push({ kind: 'WARNING', fireAt: clock.warningAt });
    if (!clock.breachedAt && clock.dueAt) timers.push({ kind: 'BREACH', fireAt: clock.dueAt });
    return timers.map((timer) => ({ ...timer, clockId: clock.id, cycle: clock.cycle, firedAt: null }));
  }

  private async clearTimers(manager: EntityManager, clock: SlaClockEntity): Promise<void> {
    await manager.query(`DELETE FROM timers WHERE clock_id = $1 AND fired_at IS NULL`, [clock.id]);
  }

  private async resolveRule(
    manager: EntityManager,
    policy: SlaPolicyDefinition,
    target: SlaTarget,
    ticket: TrackedTicketEntity,
    at: Date,
  ) {
    const calendar = await this.policies.effective<BusinessCalendar>(
      manager,
      'calendars',
      policy.calendarId,
      at,
    );
    const rules = applicableRules(policy, target, {
      priority: ticket.priority,
      ticketType: ticket.ticketType,
      customerType: ticket.customerType,
    });
    const rule = strictestRule(rules, (candidate) =>
      candidate.businessTime
        ? addBusinessTime(calendar.definition, at, candidate.minutes * 60_000)
        : new Date(at.getTime() + candidate.minutes * 60_000),
    );
    if (!rule) return null;
    return {
      rule,
      calendar: rule.businessTime ? calendar.definition : null,
      calendarId: calendar.id,
      calendarVersion: calendar.version,
    };
  }

  private clocks(
    manager: EntityManager,
    ticketId: string,
    states: SlaClockEntity['state'][],
    target?: SlaTarget,
  ) {
    return manager.find(SlaClockEntity, {
      where: { ticketId, state: In(states), ...(target ? { target } : {}) },
      order: { target: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
  }

  base(clock: SlaClockEntity, at: Date) {
    return {
      clockId: clock.id,
      ticketId: clock.ticketId,
      queueId: clock.queueId,
      target: clock.target,
      cycle: clock.cycle,
      at: at.toISOString(),
    };
  }

  private emit(manager: EntityManager, events: DeskgraphEvent[]) {
    return this.outbox.enqueue(manager, events);
  }
}
