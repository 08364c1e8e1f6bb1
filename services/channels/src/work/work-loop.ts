import type { BackgroundWorker, Logger } from '@deskgraph/platform';

export interface WorkLoopOptions {
  name: string;
  /** Does one round of due work; returns how many items it handled (0: nothing due). */
  runOnce: () => Promise<number>;
  pollIntervalMs: number;
  logger: Logger;
}

export interface WorkLoop extends BackgroundWorker {
  /** Look for work now instead of at the next poll (after a commit that made some). */
  wake(): void;
}

/**
 * Runs `runOnce` until it finds nothing, then sleeps until woken or the poll
 * interval passes. The rows themselves are the queue (claimed with SKIP
 * LOCKED and a lease), so a wake-up lost to a crash only delays work.
 */
export function createWorkLoop(options: WorkLoopOptions): WorkLoop {
  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let pending = false;

  const sleep = () =>
    new Promise<void>((resolve) => {
      if (pending || !running) {
        pending = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, options.pollIntervalMs);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  async function run(): Promise<void> {
    while (running) {
      pending = false;
      let handled = 0;
      try {
        handled = await options.runOnce();
      } catch (error) {
        options.logger.error(
          { err: error, worker: options.name },
          'work round failed; retrying after the poll interval',
        );
      }
      if (handled === 0) await sleep();
    }
  }

  return {
    name: options.name,
    async start() {
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
    },
    ready: () => running,
    wake() {
      pending = true;
      wakeUp?.();
    },
  };
}

/** Exponential backoff with jitter ("equal jitter"): a random delay in [base·2^(attempt-1) / 2, base·2^(attempt-1)], capped. */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
