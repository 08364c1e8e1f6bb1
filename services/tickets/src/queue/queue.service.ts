import { canSeeQueue, hasRole, type Identity } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { assertStaff } from '../ticket/ticket-access';
import { TicketError, TicketErrorCode } from '../ticket/ticket.errors';
import { AgentEntity, QueueEntity, RoutingRuleEntity } from './queue.entity';

export interface RoutingRuleInput {
  id: string;
  type?: string | null;
  category?: string | null;
  queueId: string;
}

export type RoutingRule = Pick<RoutingRuleEntity, 'type' | 'category' | 'queueId'>;

/** The queue of the first rule (in position order) whose type and category fit; null when none does. */
export function matchRoutingRule(rules: RoutingRule[], type: string, category: string | null): string | null {
  const match = rules.find(
    (rule) => (!rule.type || rule.type === type) && (!rule.category || rule.category === category),
  );
  return match?.queueId ?? null;
}

function assertAdmin(identity: Identity): void {
  if (!hasRole(identity, 'admin')) {
    throw new TicketError(TicketErrorCode.NotAllowed, 'Only admins manage queues, agents and routing.');
  }
}

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Queues (teams), their agents and the rules that route new tickets to them. */
export class QueueService {
  constructor(private readonly dataSource: DataSource) {}

  async upsertQueue(identity: Identity, input: { id: string; name: string; dutyManagerId?: string | null }) {
    assertAdmin(identity);
    if (!ID.test(input.id)) {
      throw new TicketError(
        TicketErrorCode.InvalidInput,
        'queue id must be 1-64 lowercase letters, digits, _ or -',
      );
    }
    if (!input.name.trim() || input.name.trim().length > 200) {
      throw new TicketError(TicketErrorCode.InvalidInput, 'queue name must be 1-200 characters');
    }
    return this.dataSource
      .getRepository(QueueEntity)
      .save({ id: input.id, name: input.name.trim(), dutyManagerId: input.dutyManagerId ?? null });
  }

  async upsertAgent(
    identity: Identity,
    input: { id: string; displayName: string; queueIds: string[]; available?: boolean | null },
  ) {
    assertAdmin(identity);
    if (!input.id.trim() || input.id.length > 64) {
      throw new TicketError(TicketErrorCode.InvalidInput, 'agent id must be 1-64 characters');
    }
    if (input.displayName.trim().length > 200) {
      throw new TicketError(TicketErrorCode.InvalidInput, 'displayName must be at most 200 characters');
    }
    await this.assertQueuesExist(this.dataSource.manager, input.queueIds);
    return this.dataSource.getRepository(AgentEntity).save({
      id: input.id,
      displayName: input.displayName.trim() || input.id,
      queueIds: input.queueIds,
      available: input.available ?? true,
    });
  }

  /**
   * Availability decides who gets work, so only staff change it: an agent
   * their own, a supervisor that of agents in a queue they supervise, an
   * admin anyone's. A user id alone proves nothing — a customer's id may
   * equal an agent's — so the role is checked first, before any lookup.
   */
  async setAvailability(identity: Identity, agentId: string, available: boolean) {
    if (!hasRole(identity, 'agent', 'supervisor', 'admin')) {
      throw new TicketError(
        TicketErrorCode.NotAllowed,
        'Only agents, supervisors and admins set availability.',
      );
    }
    const repository = this.dataSource.getRepository(AgentEntity);
    const agent = await repository.findOneBy({ id: agentId });
    const allowed =
      hasRole(identity, 'admin') ||
      identity.userId === agentId ||
      (hasRole(identity, 'supervisor') &&
        (agent?.queueIds ?? []).some((queueId) => canSeeQueue(identity, queueId)));
    if (!allowed) {
      throw new TicketError(
        TicketErrorCode.NotAllowed,
        'You can change your own availability, and as a supervisor that of agents in your queues.',
      );
    }
    if (!agent) throw new TicketError(TicketErrorCode.AgentNotFound, `No agent ${agentId}.`);
    agent.available = available;
    return repository.save(agent);
  }

  async replaceRoutingRules(identity: Identity, rules: RoutingRuleInput[]) {
    assertAdmin(identity);
    const ids = new Set(rules.map((rule) => rule.id));
    if (ids.size !== rules.length)
      throw new TicketError(TicketErrorCode.InvalidInput, 'routing rule ids must be unique');
    if (rules.some((rule) => !rule.type && !rule.category)) {
      throw new TicketError(
        TicketErrorCode.InvalidInput,
        'each routing rule must match a type, a category or both',
      );
    }
    return this.dataSource.transaction(async (manager) => {
      await this.assertQueuesExist(
        manager,
        rules.map((rule) => rule.queueId),
      );
      await manager.clear(RoutingRuleEntity);
      await manager.save(
        RoutingRuleEntity,
        rules.map((rule, position) => ({
          id: rule.id,
          position,
          type: rule.type ?? null,
          category: rule.category ?? null,
          queueId: rule.queueId,
        })),
      );
      return manager.find(RoutingRuleEntity, { order: { position: 'ASC' } });
    });
  }

  listQueues(identity: Identity) {
    assertStaff(identity);
    return this.dataSource.getRepository(QueueEntity).find({ order: { id: 'ASC' } });
  }

  listAgents(identity: Identity, queueId?: string | null) {
    assertStaff(identity);
    const query = this.dataSource.getRepository(AgentEntity).createQueryBuilder('agent').orderBy('agent.id');
    if (queueId) query.where(':queueId = ANY(agent.queue_ids)', { queueId });
    return query.getMany();
  }

  listRoutingRules(identity: Identity) {
    assertStaff(identity);
    return this.dataSource.getRepository(RoutingRuleEntity).find({ order: { position: 'ASC' } });
  }

  /** The queue of the first rule matching the ticket, or null. */
  async routeQueue(manager: EntityManager, type: string, category: string | null): Promise<string | null> {
    return matchRoutingRule(
      await manager.find(RoutingRuleEntity, { order: { position: 'ASC' } }),
      type,
      category,
    );
  }

  /** Least open tickets among the queue's available agents; ties go to the lowest id. */
  async leastLoadedAgent(manager: EntityManager, queueId: string): Promise<string | null> {
    const [row] = await manager.query(
      `SELECT agent.id FROM agents agent
        WHERE $1 = ANY(agent.queue_ids) AND agent.available
        ORDER BY (SELECT count(*) FROM tickets ticket
                   WHERE ticket.assignee_id = agent.id
                     AND ticket.status NOT IN ('RESOLVED', 'CLOSED', 'ARCHIVED')) ASC, agent.id ASC
        LIMIT 1`,
      [queueId],
    );
    return row?.id ?? null;
  }

  async findQueue(manager: EntityManager, queueId: string): Promise<QueueEntity | null> {
    return manager.findOneBy(QueueEntity, { id: queueId });
  }

  async assertQueuesExist(manager: EntityManager, queueIds: string[]): Promise<void> {
    const unique = [...new Set(queueIds)];
    if (unique.length === 0) return;
    const found = await manager.query(`SELECT id FROM queues WHERE id = ANY($1::text[])`, [unique]);
    const missing = unique.filter((id) => !found.some((row: { id: string }) => row.id === id));
    if (missing.length > 0) {
      throw new TicketError(TicketErrorCode.QueueNotFound, `Unknown queue(s): ${missing.join(', ')}.`, {
        queueIds: missing,
      });
    }
  }

  /** Nothing is handed to an agent marked unavailable; `action` names what was refused. */
  async assertAgentAvailable(manager: EntityManager, agentId: string, action: string): Promise<void> {
    const agent = await manager.findOneBy(AgentEntity, { id: agentId });
    if (!agent) throw new TicketError(TicketErrorCode.AgentNotFound, `No agent ${agentId}.`);
    if (!agent.available) {
      throw new TicketError(
        TicketErrorCode.InvalidInput,
        `${agentId} is unavailable; ${action} an available colleague or to the queue.`,
        { agentId },
      );
    }
  }

  async assertAgentInQueue(manager: EntityManager, agentId: string, queueId: string): Promise<void> {
    const agent = await manager.findOneBy(AgentEntity, { id: agentId });
    if (!agent) throw new TicketError(TicketErrorCode.AgentNotFound, `No agent ${agentId}.`);
    if (!agent.queueIds.includes(queueId)) {
      throw new TicketError(
        TicketErrorCode.InvalidInput,
        `Agent ${agentId} is not a member of queue ${queueId}.`,
      );
    }
  }
}
