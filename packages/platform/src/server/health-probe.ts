import type { Logger } from '../logging/logger';

export interface BackgroundProbeOptions {
  /** Named in logs when the state changes, e.g. 'kafka'. */
  name: string;
  /** Resolves when the dependency answers; a rejection or a timeout counts as down. */
  check: () => Promise<unknown>;
  /** Pause between the end of one check and the start of the next. */
  intervalMs?: number;
  /** A check that has not answered by then counts as failed. */
  timeoutMs?: number;
  /** Failed checks in a row before the dependency counts as down: one slow answer on a busy host is not an outage. */
  failuresBeforeDown?: number;
  logger: Logger;
}

export interface BackgroundProbe {
  /** Runs the first check (so the first answer is a measured one) and then keeps checking. */
  start(): Promise<void>;
  stop(): void;
  /** The last known state; never waits. */
  healthy(): boolean;
}

/**
 * Checks a dependency in the background and keeps its last known state, so
 * a readiness probe answers at once whatever the dependency does: asked
 * directly, a Kafka cluster describe hangs for its retries while the broker
 * is down, longer than an orchestrator waits for the probe.
 */
export function createBackgroundProbe(options: BackgroundProbeOptions): BackgroundProbe {
  const intervalMs = options.intervalMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 800;
  const failuresBeforeDown = options.failuresBeforeDown ?? 2;
  let healthy = false;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = true;
  let probed = false;

  async function probe(): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timeout = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const previous = healthy;
    try {
      await Promise.race([options.check(), timedOut]);
      healthy = true;
      failures = 0;
    } catch (error) {
      failures++;
      // Before the first success there is nothing to hold on to.
      if (failures >= failuresBeforeDown || !probed) healthy = false;
      if (previous && !healthy)
        options.logger.warn({ err: error, dependency: options.name }, 'dependency is down');
    } finally {
      clearTimeout(timeout);
    }
    if (healthy && !previous && probed) options.logger.info({ dependency: options.name }, 'dependency is up');
    probed = true;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      void probe().finally(schedule);
    }, intervalMs);
    timer.unref();
  }

  return {
    async start() {
      stopped = false;
      await probe();
      schedule();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
    healthy: () => healthy,
  };
}
