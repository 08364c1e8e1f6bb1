import { PushIterator } from './update-hub';

/** One analytics "these queues' figures changed" signal. */
export interface MetricsChange {
  eventId: string;
  queueIds: string[];
  at: string;
}

/** What a metricsUpdated subscriber is pushed; `metrics` is resolved per push. */
export interface MetricsPush {
  /** The newest change folded into this push: part of the fetch memo key. */
  eventId: string;
  at: string;
  /** The subscriber's queues whose figures changed since its previous push. */
  queueIds: string[];
  /** The subscriber's queues, the argument of `liveMetrics`. */
  subscribedQueueIds: string[];
}

type Listener = (change: MetricsChange) => void;

/**
 * Fans analytics changes out to metricsUpdated subscribers, at most one push
 * per subscriber per interval. Changes inside an interval are folded into a
 * trailing push, so the last change is never lost.
 */
export class MetricsHub {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly intervalMs = 1_000) {}

  publish(change: MetricsChange): void {
    for (const listener of this.listeners) listener(change);
  }

  subscribe(queueIds: string[]): PushIterator<MetricsPush> {
    const queues = new Set(queueIds);
    let lastPushAt = -Infinity;
    let pending: { eventId: string; at: string; queueIds: Set<string> } | null = null;
    let timer: NodeJS.Timeout | null = null;

    const flush = () => {
      timer = null;
      if (!pending) return;
      lastPushAt = Date.now();
      iterator.push({
        eventId: pending.eventId,
        at: pending.at,
        queueIds: [...pending.queueIds].sort(),
        subscribedQueueIds: queueIds,
      });
      pending = null;
    };
    const listener: Listener = (change) => {
      const changed = change.queueIds.filter((queueId) => queues.has(queueId));
      if (changed.length === 0) return;
      pending ??= { eventId: change.eventId, at: change.at, queueIds: new Set() };
      pending.eventId = change.eventId;
      pending.at = change.at;
      changed.forEach((queueId) => pending!.queueIds.add(queueId));
      if (timer) return;
      const wait = lastPushAt + this.intervalMs - Date.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    };
    const iterator = new PushIterator<MetricsPush>(() => {
      this.listeners.delete(listener);
      if (timer) clearTimeout(timer);
    });
    this.listeners.add(listener);
    return iterator;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
