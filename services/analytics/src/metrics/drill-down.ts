/**
 * Drill-down fetched only when selected. Figures answered from the daily
 * aggregates carry no ticket ids; each figure object gets a DRILL function
 * that resolves the same figure computed from the projection rows (loaded
 * once per figure set and request, only if some id field is selected).
 */
import { createHash } from 'node:crypto';
import { AnalyticsError, AnalyticsErrorCode } from '../analytics.errors';

export const DRILL = Symbol('drill');
/**
 * What a figure's tickets are (call, period, filter, path to the figure),
 * for binding its cursors: set by attachDrills on every figure object below
 * the root it is given.
 */
export const DRILL_SCOPE = Symbol('drill-scope');

type Loader = () => Promise<unknown>;

export function memo<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | null = null;
  return () => (promise ??= load());
}

/** Which entry of a list of figures matches another's (buckets by key, SLA by target …). */
function identity(item: unknown): unknown {
  if (!item || typeof item !== 'object') return undefined;
  const record = item as Record<string, unknown>;
  return record.key ?? record.target ?? record.kpi ?? record.agentId ?? record.queueId ?? record.name;
}

/**
 * Attaches DRILL to node and every figure object below it, following the same path in resolve(),
 * and DRILL_SCOPE: `scope` (the call, period and filter) followed by that path, entries of lists by
 * their key, so a cursor of one figure is refused on any other (scopeOf).
 */
export function attachDrills(node: unknown, resolve: Loader, scope: string): void {
  if (Array.isArray(node)) {
    for (const item of node) {
      attachDrills(
        item,
        async () => {
          const list = await resolve();
          return Array.isArray(list) ? list.find((other) => identity(other) === identity(item)) : undefined;
        },
        `${scope}[${JSON.stringify(identity(item) ?? null)}]`,
      );
    }
    return;
  }
  if (!node || typeof node !== 'object' || node instanceof Date) return;
  Object.defineProperty(node, DRILL, { value: resolve, enumerable: false, configurable: true });
  Object.defineProperty(node, DRILL_SCOPE, { value: scope, enumerable: false, configurable: true });
  for (const [field, value] of Object.entries(node)) {
    if (field === 'period') continue;
    attachDrills(
      value,
      async () => {
        const parent = await resolve();
        return parent && typeof parent === 'object' ? (parent as Record<string, unknown>)[field] : undefined;
      },
      `${scope}.${field}`,
    );
  }
}

/** The scope of a figure's id field (its figure's DRILL_SCOPE and the field), for page(). */
export function scopeOf(figure: object, field: string): string {
  return `${(figure as Record<symbol, string | undefined>)[DRILL_SCOPE] ?? ''}#${field}`;
}

/** The ticket ids of a field: the parent's own, or its drill-down's. */
export async function drillIds(parent: Record<string | symbol, unknown>, field: string): Promise<string[]> {
  const drill = parent[DRILL] as Loader | undefined;
  if (!drill) return (parent[field] as string[] | undefined) ?? [];
  const resolved = (await drill()) as Record<string, unknown> | undefined;
  return (resolved?.[field] as string[] | undefined) ?? [];
}

export const MAX_PAGE = 1000;

export interface TicketPage {
  ticketIds: string[];
  totalCount: number;
  endCursor: string | null;
  hasNextPage: boolean;
}

/**
 * A figure whose tickets PostgreSQL pages itself (keyset on the ticket id),
 * so a page never loads the period's rows: `count` is the figure's own count
 * (exact, from the aggregates) and `ids` returns up to `limit` ticket ids
 * after the cursor in ticket-id order.
 */
export const KEYSET = Symbol('keyset');
/** Keyset drills of a figure's other id fields (baseTicketIds, breachedTicketIds …), by field. */
export const KEYSETS = Symbol('keysets');

export interface KeysetDrill {
  /** What the tickets are (the figure's condition with its period and filter): its cursors are bound to it. */
  scope: string;
  /** The distinct tickets behind the figure: known (volume counts), or counted by PostgreSQL when asked. */
  count: number | (() => Promise<number>);
  ids(after: string | null, limit: number): Promise<string[]>;
}

/** Makes `figure`'s connection over `field` a keyset page (its deprecated id array stays on DRILL). */
export function attachKeyset(figure: object, drill: KeysetDrill, field = 'ticketIds'): void {
  if (field === 'ticketIds') {
    Object.defineProperty(figure, KEYSET, { value: drill, enumerable: false, configurable: true });
    return;
  }
  const record = figure as Record<symbol, Record<string, KeysetDrill> | undefined>;
  if (!record[KEYSETS]) Object.defineProperty(figure, KEYSETS, { value: {}, enumerable: false });
  record[KEYSETS]![field] = drill;
}

/** The keyset drill of a figure's id field, if it has one. */
export function keysetOf(figure: object, field: string): KeysetDrill | undefined {
  const record = figure as Record<symbol, unknown>;
  if (field === 'ticketIds') return record[KEYSET] as KeysetDrill | undefined;
  return (record[KEYSETS] as Record<string, KeysetDrill> | undefined)?.[field];
}

/** The page size asked for: 1–MAX_PAGE, default 100. */
function pageSize(first: number | null | undefined): number {
  if (first != null && (!Number.isInteger(first) || first < 1 || first > MAX_PAGE)) {
    throw new AnalyticsError(AnalyticsErrorCode.InvalidFilter, `first must be between 1 and ${MAX_PAGE}.`);
  }
  return first ?? 100;
}

const CURSOR = /^drill:([A-Za-z0-9_-]{16}):(.+)$/s;

/** A short digest of a drill's scope: cursors carry it, so one figure's cursor is refused on another. */
function fingerprint(scope: string): string {
  return createHash('sha256').update(scope).digest('base64url').slice(0, 16);
}

/**
 * The opaque cursor after a ticket id within one figure's tickets (its scope:
 * the figure, period and filter): clients pass endCursor back, never build one.
 */
export function encodeDrillCursor(ticketId: string, scope = ''): string {
  return Buffer.from(`drill:${fingerprint(scope)}:${ticketId}`, 'utf8').toString('base64url');
}

/**
 * The ticket id a cursor names; BAD_USER_INPUT for anything not made by
 * encodeDrillCursor, and for a cursor of another scope: a ticket id alone
 * would silently skip the tickets of this figure before it.
 */
export function decodeDrillCursor(after: string | null | undefined, scope = ''): string | null {
  if (after === null || after === undefined) return null;
  const decoded = Buffer.from(after, 'base64url').toString('utf8');
  const match = CURSOR.exec(decoded);
  if (!match || Buffer.from(decoded, 'utf8').toString('base64url') !== after) {
    throw new AnalyticsError(
      AnalyticsErrorCode.InvalidFilter,
      'after is not a cursor returned by this drill-down (pass endCursor of the previous page).',
    );
  }
  if (match[1] !== fingerprint(scope)) {
    throw new AnalyticsError(
      AnalyticsErrorCode.InvalidFilter,
      'after belongs to another figure, period or filter: a cursor only continues the connection whose ' +
        'endCursor it was, with the same period and filter. Omit after to start from the first page.',
    );
  }
  return match[2];
}

/** One keyset page: one more id than asked tells whether another page follows. */
export async function keysetPage(
  drill: KeysetDrill,
  first: number | null | undefined,
  after: string | null | undefined,
): Promise<TicketPage> {
  const size = pageSize(first);
  const afterId = decodeDrillCursor(after, drill.scope);
  const [ids, totalCount] = await Promise.all([
    drill.ids(afterId, size + 1),
    typeof drill.count === 'number' ? drill.count : drill.count(),
  ]);
  const slice = ids.slice(0, size);
  const last = slice.at(-1);
  return {
    ticketIds: slice,
    totalCount,
    endCursor: last === undefined ? null : encodeDrillCursor(last, drill.scope),
    hasNextPage: ids.length > size,
  };
}

/** One page of sorted ticket ids after the cursor (naming the last id of the previous page of scope). */
export function page(
  ids: string[],
  first: number | null | undefined,
  after: string | null | undefined,
  scope = '',
): TicketPage {
  const size = pageSize(first);
  const afterId = decodeDrillCursor(after, scope);
  const sorted = [...ids].sort();
  const start = afterId !== null ? sorted.findIndex((id) => id > afterId) : 0;
  const from = start === -1 ? sorted.length : start;
  const slice = sorted.slice(from, from + size);
  const last = slice.at(-1);
  return {
    ticketIds: slice,
    totalCount: sorted.length,
    endCursor: last === undefined ? null : encodeDrillCursor(last, scope),
    hasNextPage: from + size < sorted.length,
  };
}
