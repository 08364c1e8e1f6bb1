import { AnalyticsError, AnalyticsErrorCode } from '../analytics.errors';
import type { MetricRate } from './kpi-math';
import type { TicketMetrics } from './ticket-metrics';

/** Pure rules of KPI targets: which KPIs can carry one, validation, evaluation, crossings. */

export type TargetDirection = 'AT_LEAST' | 'AT_MOST';

/**
 * KPIs a target can be set on, named as their TicketMetrics field, with the
 * direction that makes sense by default (less is better for repeats and reopens).
 */
export const KPI_DIRECTIONS = {
  replyRate: 'AT_LEAST',
  onTimeReplyRate: 'AT_LEAST',
  repeatComplaintRate: 'AT_MOST',
  satisfactionRate: 'AT_LEAST',
  keyCustomerSatisfactionRate: 'AT_LEAST',
  keyCustomerComplaintSatisfactionRate: 'AT_LEAST',
  followUpSatisfactionRate: 'AT_LEAST',
  complaintAnsweredWithin48h: 'AT_LEAST',
  responseRate: 'AT_LEAST',
  reopenRate: 'AT_MOST',
  oneTouchResolutionRate: 'AT_LEAST',
} as const satisfies Record<string, TargetDirection>;

export type KpiName = keyof typeof KPI_DIRECTIONS;
export const KPI_NAMES = Object.keys(KPI_DIRECTIONS) as KpiName[];

export interface KpiTarget {
  kpi: KpiName;
  /** Null: desk-wide. A queue's own target overrides the desk-wide one. */
  queueId: string | null;
  /** A fraction like every rate: 0.95 = 95 %. */
  target: number;
  direction: TargetDirection;
  updatedBy: string;
  updatedAt: Date;
}

export interface KpiTargetInput {
  kpi: string;
  queueId?: string | null;
  target: number;
  direction?: TargetDirection | null;
}

export interface KpiTargetStatus {
  kpi: KpiName;
  /** The queue whose figures were evaluated; null for the whole result (or the desk). */
  queueId: string | null;
  /** The queue whose own target applied; null when the desk-wide target did. */
  targetQueueId: string | null;
  value: number | null;
  target: number;
  direction: TargetDirection;
  /** Null when the KPI has no figure (nothing in its denominator). */
  met: boolean | null;
  numerator: number;
  denominator: number;
  ticketIds: string[];
  baseTicketIds: string[];
}

const MAX_QUEUE_ID = 100;
// Rates are ratios of integers; a tolerance keeps 1/100 against 0.01 from failing on float noise.
const EPSILON = 1e-9;

export function isKpiName(name: string): name is KpiName {
  return Object.prototype.hasOwnProperty.call(KPI_DIRECTIONS, name);
}

export function assertKpiName(name: string): KpiName {
  if (!isKpiName(name)) {
    throw new AnalyticsError(
      AnalyticsErrorCode.InvalidTarget,
      `Unknown KPI "${name}". Known KPIs: ${KPI_NAMES.join(', ')}.`,
    );
  }
  return name;
}

/** Queue ids are free text in the event contract; refuse only what can never be one. */
export function assertQueueId(queueId: string): string {
  const bad =
    queueId.length === 0 ||
    queueId.length > MAX_QUEUE_ID ||
    queueId.trim() !== queueId ||
    [...queueId].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);
  if (bad) {
    throw new AnalyticsError(
      AnalyticsErrorCode.InvalidTarget,
      `queueId "${queueId}" is not a queue id: use 1–${MAX_QUEUE_ID} characters without surrounding spaces or control characters, or null for a desk-wide target.`,
    );
  }
  return queueId;
}

export function validateTargetInput(input: KpiTargetInput): {
  kpi: KpiName;
  queueId: string | null;
  target: number;
  direction: TargetDirection;
} {
  const kpi = assertKpiName(input.kpi);
  const queueId = input.queueId == null ? null : assertQueueId(input.queueId);
  if (!Number.isFinite(input.target) || input.target < 0 || input.target > 1) {
    throw new AnalyticsError(
      AnalyticsErrorCode.InvalidTarget,
      `target ${input.target} is outside 0–100 %: give a fraction between 0 and 1 (0.95 = 95 %).`,
    );
  }
  return { kpi, queueId, target: input.target, direction: input.direction ?? KPI_DIRECTIONS[kpi] };
}

/** The targets that apply to a queue (its own override the desk-wide ones) or, for null, the desk-wide ones. */
export function effectiveTargets(targets: KpiTarget[], queueId: string | null): KpiTarget[] {
  const applied = new Map<KpiName, KpiTarget>();
  for (const target of targets) if (target.queueId === null) applied.set(target.kpi, target);
  if (queueId !== null) {
    for (const target of targets) if (target.queueId === queueId) applied.set(target.kpi, target);
  }
  return KPI_NAMES.filter((kpi) => applied.has(kpi)).map((kpi) => applied.get(kpi)!);
}

export function meetsTarget(
  value: number | null,
  target: number,
  direction: TargetDirection,
): boolean | null {
  if (value === null) return null;
  return direction === 'AT_LEAST' ? value >= target - EPSILON : value <= target + EPSILON;
}

export function kpiRate(metrics: TicketMetrics, kpi: KpiName): MetricRate {
  return metrics[kpi];
}

/** Each applicable target against the figures; `scope` is the queue the figures are of (null: all of them). */
export function evaluateTargets(
  metrics: TicketMetrics,
  targets: KpiTarget[],
  scope: string | null,
): KpiTargetStatus[] {
  return effectiveTargets(targets, scope).map((target) => {
    const figure = kpiRate(metrics, target.kpi);
    return {
      kpi: target.kpi,
      queueId: scope,
      targetQueueId: target.queueId,
      value: figure.value,
      target: target.target,
      direction: target.direction,
      met: meetsTarget(figure.value, target.target, target.direction),
      numerator: figure.numerator,
      denominator: figure.denominator,
      ticketIds: figure.ticketIds,
      baseTicketIds: figure.baseTicketIds,
    };
  });
}

/** Key of the durable met/missed state: the KPI and its scope ('' = desk-wide). */
export function stateKey(kpi: string, queueId: string | null): string {
  return `${kpi}\u0000${queueId ?? ''}`;
}

/**
 * The statuses that crossed their target since the last known state. A KPI
 * counts as met until shown otherwise, so the first miss is announced and a
 * first "met" is not; a KPI without a figure changes nothing.
 */
export function targetCrossings(
  statuses: KpiTargetStatus[],
  lastMet: Map<string, boolean>,
): (KpiTargetStatus & { value: number; met: boolean })[] {
  const crossed: (KpiTargetStatus & { value: number; met: boolean })[] = [];
  for (const status of statuses) {
    if (status.met === null || status.value === null) continue;
    const before = lastMet.get(stateKey(status.kpi, status.queueId)) ?? true;
    if (before !== status.met) crossed.push({ ...status, value: status.value, met: status.met });
  }
  return crossed;
}
