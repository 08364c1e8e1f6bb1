import { validateEvent, type DeskgraphEvent } from '@deskgraph/events';

export type Verdict =
  | { kind: 'counted'; event: DeskgraphEvent }
  | { kind: 'duplicate'; id: string }
  | { kind: 'invalid'; reason: string };

/**
 * What every outside consumer of the deskgraph topics needs: validate each
 * message against the published JSON Schemas and drop redeliveries by event
 * id (delivery is at-least-once). Kept in memory here; a real consumer stores
 * the seen ids in the same transaction as its own results.
 */
export class EventCounter {
  private readonly seen = new Set<string>();
  readonly byType = new Map<string, number>();
  duplicates = 0;
  invalid = 0;

  accept(value: string): Verdict {
    let event: DeskgraphEvent;
    try {
      event = validateEvent(JSON.parse(value));
    } catch (error) {
      // Unknown types or versions land here too: newer producers may publish what this build does not know.
      this.invalid++;
      return { kind: 'invalid', reason: (error as Error).message };
    }
    if (this.seen.has(event.id)) {
      this.duplicates++;
      return { kind: 'duplicate', id: event.id };
    }
    this.seen.add(event.id);
    this.byType.set(event.type, (this.byType.get(event.type) ?? 0) + 1);
    return { kind: 'counted', event };
  }

  get total(): number {
    return this.seen.size;
  }
}
