import { randomUUID } from 'node:crypto';
import { buildEvent, TicketCompensationChangedV1 } from '@deskgraph/events';
import { hasRole, type Identity } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import type { IdempotencyKeys } from '../idempotency/idempotency-keys';
import {
  assertAuthenticated,
  assertCanWork,
  assertSupervisor,
  canReadTicket,
  isCustomerOnly,
} from '../ticket/ticket-access';
import { changeMeta, EVENT_SOURCE, type TicketChanger } from '../ticket/ticket-changes';
import { assertUuid, optionalText, parseInput, requiredText, TICKET_LIMITS } from '../ticket/ticket-input';
import { TicketEntity } from '../ticket/ticket.entity';
import { TicketError, TicketErrorCode } from '../ticket/ticket.errors';
import { COMPENSATION_KINDS, CompensationEntity, type CompensationStatus } from './compensation.entity';

const proposeSchema = z
  .object({
    ticketId: z.string().uuid('ticketId must be a ticket id'),
    kind: z.enum(COMPENSATION_KINDS),
    amount: z.number().positive('amount must be positive').max(1_000_000).nullish(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code such as CNY')
      .nullish(),
    reason: requiredText('reason', TICKET_LIMITS.reason),
  })
  .superRefine((input, context) => {
    if ((input.kind === 'REFUND' || input.kind === 'COUPON') && input.amount == null) {
      context.addIssue({ code: 'custom', path: ['amount'], message: `a ${input.kind} needs an amount` });
    }
    if (input.amount != null && !input.currency) {
      context.addIssue({ code: 'custom', path: ['currency'], message: 'an amount needs a currency' });
    }
  });

function parseNote(note: string | null | undefined): string | null {
  const checked = parseInput(optionalText('note', TICKET_LIMITS.reason), note);
  return checked || null;
}

function toEventProposal(proposal: CompensationEntity) {
  return {
    proposalId: proposal.id,
    kind: proposal.kind,
    amount: proposal.amount == null ? null : Number(proposal.amount),
    currency: proposal.currency,
  };
}

/** A complaint's compensation: proposed by an agent, approved or rejected by a supervisor, then carried out. */
export class CompensationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly changer: TicketChanger,
    private readonly idempotency: IdempotencyKeys,
  ) {}

  /** `idempotencyKey`: a retry with the same key and input returns this proposal again (see README). */
  async propose(
    identity: Identity,
    rawInput: unknown,
    idempotencyKey: string | null = null,
  ): Promise<CompensationEntity> {
    assertAuthenticated(identity);
    return this.idempotency.run(
      { identity, operation: 'proposeCompensation', key: idempotencyKey, input: rawInput },
      {
        execute: (manager) => this.proposeIn(identity, rawInput, manager),
        remember: (proposal) => ({ proposalId: proposal.id }),
        replay: ({ proposalId }, manager) =>
          manager.findOneByOrFail(CompensationEntity, { id: proposalId as string }),
      },
    );
  }

  private async proposeIn(
    identity: Identity,
    rawInput: unknown,
    transaction: EntityManager,
  ): Promise<CompensationEntity> {
    const input = parseInput(proposeSchema, rawInput);
    let proposal: CompensationEntity | null = null;
    const changer = this.changer.within(transaction);
    await changer.change(identity, input.ticketId, null, async ({ ticket, actor, now, manager }) => {
      assertCanWork(identity, ticket);
      if (ticket.type !== 'COMPLAINT') {
        throw new TicketError(TicketErrorCode.InvalidState, 'Compensation is proposed on complaints only.');
      }
      if (['CLOSED', 'ARCHIVED'].includes(ticket.status)) {
        throw new TicketError(
          TicketErrorCode.InvalidState,
          `A ${ticket.status} ticket takes no new compensation.`,
        );
      }
      proposal = manager.create(CompensationEntity, {
        id: randomUUID(),
        ticketId: ticket.id,
        kind: input.kind,
        amount: input.amount == null ? null : input.amount.toFixed(2),
        currency: input.currency ?? null,
        reason: input.reason,
        status: 'PROPOSED',
        proposedBy: identity.userId,
        proposedAt: now,
      });
      await manager.insert(CompensationEntity, proposal);
      return {
        timeline: [
          {
            action: 'COMPENSATION_PROPOSED',
            after: {
              proposalId: proposal.id,
              kind: input.kind,
              amount: input.amount ?? null,
              currency: input.currency ?? null,
            },
            result: 'awaiting a supervisor decision',
            note: proposal.reason,
          },
        ],
        events: (saved) => [this.event(saved, actor, now, proposal!, 'PROPOSED', proposal!.reason)],
      };
    });
    return proposal!;
  }

  async decide(
    identity: Identity,
    input: { proposalId: string; approve: boolean; note?: string | null },
  ): Promise<CompensationEntity> {
    const note = parseNote(input.note);
    return this.transition(
      identity,
      input.proposalId,
      'PROPOSED',
      input.approve ? 'APPROVED' : 'REJECTED',
      note,
      (ticket) => assertSupervisor(identity, ticket),
    );
  }

  async carryOut(
    identity: Identity,
    input: { proposalId: string; note?: string | null },
  ): Promise<CompensationEntity> {
    return this.transition(
      identity,
      input.proposalId,
      'APPROVED',
      'CARRIED_OUT',
      parseNote(input.note),
      (ticket) => assertCanWork(identity, ticket),
    );
  }

  async forTicket(identity: Identity, ticket: TicketEntity): Promise<CompensationEntity[]> {
    if (!canReadTicket(identity, ticket)) return [];
    const proposals = await this.dataSource
      .getRepository(CompensationEntity)
      .find({ where: { ticketId: ticket.id }, order: { proposedAt: 'ASC' } });
    if (!isCustomerOnly(identity)) return proposals;
    // Customers learn what they get, not the desk's internal deliberation.
    return proposals
      .filter((proposal) => proposal.status === 'APPROVED' || proposal.status === 'CARRIED_OUT')
      .map((proposal) => ({ ...proposal, decisionNote: null }));
  }

  /** A supervisor's approval inbox: undecided proposals on tickets of their queues. */
  async awaitingDecision(identity: Identity): Promise<CompensationEntity[]> {
    if (!hasRole(identity, 'supervisor', 'admin')) {
      throw new TicketError(
        TicketErrorCode.NotAllowed,
        'Only supervisors and admins decide compensation proposals.',
      );
    }
    const query = this.dataSource
      .getRepository(CompensationEntity)
      .createQueryBuilder('proposal')
      .innerJoin(TicketEntity, 'ticket', 'ticket.id = proposal.ticket_id')
      .where(`proposal.status = 'PROPOSED'`)
      .orderBy('proposal.proposedAt', 'ASC')
      .addOrderBy('proposal.id', 'ASC')
      // One ticket per proposal, so a plain LIMIT is exact.
      .limit(100);
    if (!hasRole(identity, 'admin')) {
      query.andWhere('(ticket.queue_id = ANY(:queues) OR ticket.helper_queue_ids && :queues)', {
        queues: identity.queueIds,
      });
    }
    return query.getMany();
  }

  private async transition(
    identity: Identity,
    proposalId: string,
    from: CompensationStatus,
    to: CompensationStatus,
    note: string | null,
    authorize: (ticket: TicketEntity) => void,
  ): Promise<CompensationEntity> {
    assertUuid(proposalId, 'compensation proposal');
    return this.dataSource.transaction(async (manager) => {
      const proposal = await manager.findOne(CompensationEntity, {
        where: { id: proposalId },
        lock: { mode: 'pessimistic_write' },
      });
      const owner = proposal && (await manager.findOneBy(TicketEntity, { id: proposal.ticketId }));
      if (!proposal || !owner || !canReadTicket(identity, owner)) {
        throw new TicketError(
          TicketErrorCode.ProposalNotFound,
          `No compensation proposal ${proposalId} that you can see.`,
        );
      }
      authorize(owner);
      if (proposal.status !== from) {
        throw new TicketError(
          from === 'PROPOSED' ? TicketErrorCode.AlreadyDecided : TicketErrorCode.InvalidState,
          from === 'PROPOSED'
            ? `This proposal was already ${proposal.status.toLowerCase()}.`
            : `Only an APPROVED proposal can be carried out; this one is ${proposal.status}.`,
          { status: proposal.status },
        );
      }
      await this.changer.change(
        identity,
        owner.id,
        null,
        ({ actor, now }) => {
          proposal.status = to;
          if (to === 'CARRIED_OUT') {
            proposal.carriedOutAt = now;
          } else {
            proposal.decidedBy = identity.userId;
            proposal.decidedAt = now;
            proposal.decisionNote = note;
          }
          return {
            timeline: [
              {
                action: `COMPENSATION_${to}`,
                before: { proposalId, status: from },
                after: { proposalId, status: to },
                result: to.toLowerCase().replace('_', ' '),
                note,
              },
            ],
            events: (saved) => [this.event(saved, actor, now, proposal, to, note)],
          };
        },
        manager,
      );
      return manager.save(proposal);
    });
  }

  private event(
    saved: TicketEntity,
    actor: ReturnType<typeof changeMeta>['actor'],
    now: Date,
    proposal: CompensationEntity,
    status: CompensationStatus,
    note: string | null,
  ) {
    return buildEvent(TicketCompensationChangedV1, {
      source: EVENT_SOURCE,
      subject: saved.id,
      data: { ...changeMeta(saved, actor, now), proposal: toEventProposal(proposal), status, note },
    });
  }
}
