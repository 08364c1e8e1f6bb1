import { changeTime, hasRole, isStaff, type Identity, describeProblems } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import {
  calendarFromInput,
  validateCalendar,
  type BusinessCalendar,
  type CalendarInput,
} from '../calendar/business-calendar';
import { notAllowed, SlaError, SlaErrorCode } from '../sla.errors';
import { validatePolicy, type SlaPolicyDefinition } from './sla-policy';

export interface Versioned<T> {
  id: string;
  version: number;
  effectiveFrom: Date;
  definition: T;
  createdBy: string;
  createdAt: Date;
}

interface Row {
  id: string;
  version: number;
  effective_from: Date;
  definition: unknown;
  created_by: string;
  created_at: Date;
}

function toVersioned<T>(row: Row): Versioned<T> {
  return {
    id: row.id,
    version: row.version,
    effectiveFrom: row.effective_from,
    definition: row.definition as T,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/**
 * Policies and calendars are append-only versions with an effective time. A
 * clock records the versions it started under and keeps them, so a later
 * change never moves a deadline or a figure already measured.
 */
export class PolicyStore {
  // Versions never change once written, so they can be cached forever.
  private readonly cache = new Map<string, Versioned<unknown>>();
  /** Every version of each policy or calendar, oldest first, as of `generation`. */
  private readonly histories = new Map<string, Versioned<unknown>[]>();
  private generation: string | null = null;
  /** The transaction that last confirmed `histories` are current: only it reads them. */
  private checkedIn: EntityManager | null = null;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Lets `manager`'s transaction read effective versions from memory. No
   * event announces a new policy or calendar version (another replica may
   * append it), but the tables are append-only, so their row counts change
   * exactly when a version is added: one statement per consumer batch
   * instead of two per clock started.
   */
  async refresh(manager: EntityManager): Promise<void> {
    const [{ generation }] = await manager.query(
      `SELECT (SELECT count(*) FROM policies) || ':' || (SELECT count(*) FROM calendars) AS generation`,
    );
    if (generation !== this.generation) this.histories.clear();
    this.generation = generation;
    this.checkedIn = manager;
  }

  async effective<T>(
    manager: EntityManager,
    table: 'policies' | 'calendars',
    id: string,
    at: Date,
  ): Promise<Versioned<T>> {
    if (manager !== this.checkedIn) {
      const [row] = await manager.query(
        `SELECT * FROM ${table} WHERE id = $1 AND effective_from <= $2 ORDER BY effective_from DESC, version DESC LIMIT 1`,
        [id, at],
      );
      if (!row) throw new Error(`No ${table} "${id}" effective at ${at.toISOString()}`);
      return this.remember(table, toVersioned<T>(row));
    }
    const key = `${table}:${id}`;
    let history = this.histories.get(key);
    if (!history) {
      const rows: Row[] = await manager.query(
        `SELECT * FROM ${table} WHERE id = $1 ORDER BY effective_from, version`,
        [id],
      );
      history = rows.map((row) => this.remember(table, toVersioned(row)));
      this.histories.set(key, history);
    }
    // The same choice as the query above: latest effective_from not after `at`, then highest version.
    const found = history.findLast((versioned) => versioned.effectiveFrom.getTime() <= at.getTime());
    if (!found) throw new Error(`No ${table} "${id}" effective at ${at.toISOString()}`);
    return found as Versioned<T>;
  }

  async version<T>(
    manager: EntityManager,
    table: 'policies' | 'calendars',
    id: string,
    version: number,
  ): Promise<Versioned<T>> {
    const key = `${table}:${id}:${version}`;
    const cached = this.cache.get(key);
    if (cached) return cached as Versioned<T>;
    const [row] = await manager.query(`SELECT * FROM ${table} WHERE id = $1 AND version = $2`, [id, version]);
    if (!row) throw new Error(`No ${table} "${id}" version ${version}`);
    return this.remember(table, toVersioned<T>(row));
  }

  private remember<T>(table: 'policies' | 'calendars', versioned: Versioned<T>): Versioned<T> {
    this.cache.set(`${table}:${versioned.id}:${versioned.version}`, versioned);
    return versioned;
  }

  async versions<T>(
    identity: Identity,
    table: 'policies' | 'calendars',
    id: string,
  ): Promise<Versioned<T>[]> {
    if (!isStaff(identity)) {
      throw notAllowed(identity, 'SLA policies and calendars are visible to staff only.');
    }
    const rows: Row[] = await this.dataSource.query(`SELECT * FROM ${table} WHERE id = $1 ORDER BY version`, [
      id,
    ]);
    return rows.map((row) => toVersioned<T>(row));
  }

  async setPolicy(identity: Identity, definition: SlaPolicyDefinition, effectiveFrom: Date | null) {
    assertAdmin(identity);
    const problems = validatePolicy(definition);
    if (problems.length) {
      throw new SlaError(SlaErrorCode.InvalidPolicy, `Invalid SLA policy: ${describeProblems(problems)}.`, {
        problems,
      });
    }
    return this.dataSource.transaction(async (manager) => {
      // The calendar must be in force when the policy is, or clocks started under it could not be computed.
      const [calendar] = await manager.query(
        `SELECT 1 FROM calendars WHERE id = $1 AND effective_from <= $2 LIMIT 1`,
        [definition.calendarId, effectiveFrom ?? changeTime(identity)],
      );
      if (!calendar) {
        throw new SlaError(
          SlaErrorCode.InvalidPolicy,
          `Invalid SLA policy: unknown calendar "${definition.calendarId}" (or not yet in force at the policy's effectiveFrom); create it with setBusinessCalendar first.`,
          { problems: [{ field: 'calendarId', message: `unknown calendar "${definition.calendarId}"` }] },
        );
      }
      return this.append<SlaPolicyDefinition>(
        manager,
        'policies',
        'default',
        definition,
        effectiveFrom,
        identity,
      );
    });
  }

  async setCalendar(identity: Identity, id: string, input: CalendarInput, effectiveFrom: Date | null) {
    assertAdmin(identity);
    const { calendar, problems } = calendarFromInput(input);
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(id)) {
      problems.unshift({
        field: 'id',
        message: `calendar id "${id}" must be 1-64 lowercase letters, digits, _ or -`,
      });
    }
    problems.push(...validateCalendar(calendar));
    if (problems.length) {
      throw new SlaError(
        SlaErrorCode.InvalidCalendar,
        `Invalid business calendar: ${describeProblems(problems)}.`,
        {
          problems,
        },
      );
    }
    return this.dataSource.transaction((manager) =>
      this.append<BusinessCalendar>(manager, 'calendars', id, calendar, effectiveFrom, identity),
    );
  }

  private async append<T>(
    manager: EntityManager,
    table: 'policies' | 'calendars',
    id: string,
    definition: T,
    effectiveFrom: Date | null,
    identity: Identity,
  ): Promise<Versioned<T>> {
    // The demo seed configures its desk at the start of its history (the seeding clock).
    const now = changeTime(identity);
    if (effectiveFrom && effectiveFrom.getTime() < now.getTime() - 60_000) {
      throw new SlaError(
        table === 'policies' ? SlaErrorCode.InvalidPolicy : SlaErrorCode.InvalidCalendar,
        'effectiveFrom cannot be in the past: what was measured is never rewritten.',
        { problems: [{ field: 'effectiveFrom', message: 'effectiveFrom is in the past' }] },
      );
    }
    // Serialise writers of one id so versions stay dense.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${table}:${id}`]);
    const [{ next }] = await manager.query(
      `SELECT coalesce(max(version), 0) + 1 AS next FROM ${table} WHERE id = $1`,
      [id],
    );
    const [row] = await manager.query(
      `INSERT INTO ${table} (id, version, effective_from, definition, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [id, next, effectiveFrom ?? now, JSON.stringify(definition), identity.userId],
    );
    return toVersioned<T>(row);
  }
}

function assertAdmin(identity: Identity): void {
  if (!hasRole(identity, 'admin')) {
    throw notAllowed(identity, 'Only admins change SLA policies and calendars.');
  }
}
