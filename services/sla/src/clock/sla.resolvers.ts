import { DateTimeScalar } from '@deskgraph/platform';
import { GraphQLScalarType } from 'graphql';
import type { BusinessCalendar, CalendarInput } from '../calendar/business-calendar';
import type { Versioned } from '../policy/policy-store';
import type { SlaPolicyDefinition, SlaTarget } from '../policy/sla-policy';
import type { SlaContext } from '../server';
import type { ClockView } from './sla.service';

const JSONScalar = new GraphQLScalarType({ name: 'JSON', serialize: (value) => value });

function toClockGraph({ clock, remainingMs }: ClockView) {
  return {
    ...clock,
    targetMinutes: Math.round(clock.targetMs / 60_000),
    remainingSeconds: Math.round(remainingMs / 1000),
    overdue: remainingMs < 0 && ['RUNNING', 'BREACHED'].includes(clock.state),
    pausedPeriods: clock.pauses.map((pause) => ({
      from: new Date(pause.from),
      to: pause.to && new Date(pause.to),
      reason: pause.reason,
    })),
  };
}

function toTicketSlaGraph(views: ClockView[]) {
  const current = (target: SlaTarget) => views.find((view) => view.clock.target === target)?.clock;
  const running = views.filter((view) => view.clock.state === 'RUNNING' && view.clock.dueAt);
  return {
    firstResponseDueAt: current('FIRST_RESPONSE')?.dueAt ?? null,
    resolutionDueAt: current('RESOLUTION')?.dueAt ?? null,
    nextBreachAt:
      running.map((view) => view.clock.dueAt!).sort((a, b) => a.getTime() - b.getTime())[0] ?? null,
    clocks: views.map(toClockGraph),
  };
}

function toVersionGraph<T>(versioned: Versioned<T>) {
  return { ...versioned, definition: versioned.definition };
}

interface PolicyInput extends SlaPolicyDefinition {
  effectiveFrom?: Date | null;
}

interface CalendarGraphInput extends CalendarInput {
  id: string;
  effectiveFrom?: Date | null;
}

export const slaResolvers = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    atRiskTickets: async (
      _: unknown,
      args: { queueIds: string[]; withinMinutes: number; first: number },
      context: SlaContext,
    ) =>
      (await context.sla.atRisk(context.identity, args.queueIds, args.withinMinutes, args.first)).map(
        (view) => ({
          ticket: { id: view.clock.ticketId },
          target: view.clock.target,
          state: view.clock.state,
          dueAt: view.clock.dueAt,
          remainingSeconds: Math.round(view.remainingMs / 1000),
        }),
      ),
    slaPolicyVersions: async (_: unknown, __: unknown, context: SlaContext) =>
      (await context.policies.versions<SlaPolicyDefinition>(context.identity, 'policies', 'default')).map(
        toVersionGraph,
      ),
    businessCalendarVersions: async (_: unknown, args: { id: string }, context: SlaContext) =>
      (await context.policies.versions<BusinessCalendar>(context.identity, 'calendars', args.id)).map(
        toVersionGraph,
      ),
  },
  Mutation: {
    setSlaPolicy: async (_: unknown, { input }: { input: PolicyInput }, context: SlaContext) => {
      const { effectiveFrom, ...definition } = input;
      return toVersionGraph(
        await context.policies.setPolicy(context.identity, definition, effectiveFrom ?? null),
      );
    },
    setBusinessCalendar: async (
      _: unknown,
      { input }: { input: CalendarGraphInput },
      context: SlaContext,
    ) => {
      const { id, effectiveFrom, ...calendar } = input;
      return toVersionGraph(
        await context.policies.setCalendar(context.identity, id, calendar, effectiveFrom ?? null),
      );
    },
  },
  Ticket: {
    __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
    sla: async (ticket: { id: string }, _: unknown, context: SlaContext) => {
      const views = await context.sla.ticketSla(context.identity, ticket.id);
      return views && toTicketSlaGraph(views);
    },
  },
};
