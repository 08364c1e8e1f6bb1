import type { Consumer } from 'kafkajs';
import type { Logger } from '../logging/logger';

export interface RestartPolicy {
  /** Delay before the first restart; doubles with each further restart inside the window. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** More restarts than this inside `windowMs` and the consumer is given up: not live. */
  maxRestarts: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRestarts: 5,
  windowMs: 5 * 60_000,
};

export interface SupervisedConsumerOptions {
  /** Builds a fresh, unconnected kafkajs consumer (a crashed one is never reused). */
  create(): Consumer;
  /** Connects, subscribes and runs it. */
  run(consumer: Consumer): Promise<void>;
  logger: Logger;
  /** Called with true when the group has joined, false when it crashed or stopped. */
  onJoinedChange?(joined: boolean): void;
  onRestart?(): void;
  restart?: Partial<RestartPolicy>;
}

export interface SupervisedConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The group has joined and is consuming. */
  joined(): boolean;
  /** False once the consumer crashed more often than the policy allows: the process should be restarted. */
  live(): boolean;
}

/**
 * Keeps a kafkajs consumer running. kafkajs restarts a crashed consumer
 * itself only when the error is retriable; after any other crash (a
 * TypeError in a handler, a non-retriable broker error) it just stops, and
 * nothing would consume again. Such a crash is restarted here with
 * exponential backoff, on a fresh consumer; too many crashes in a window
 * mark the process not live so an orchestrator replaces it.
 */
export function superviseConsumer(options: SupervisedConsumerOptions): SupervisedConsumer {
  const policy = { ...DEFAULT_RESTART_POLICY, ...options.restart };
  let consumer: Consumer | null = null;
  let joined = false;
  let alive = true;
  let stopped = false;
  let restartTimer: NodeJS.Timeout | null = null;
  let restarts: number[] = [];

  function setJoined(value: boolean) {
    if (joined === value) return;
    joined = value;
    options.onJoinedChange?.(value);
  }

  function scheduleRestart(error: unknown) {
    if (stopped || restartTimer) return;
    const now = Date.now();
    restarts = restarts.filter((at) => now - at < policy.windowMs);
    if (restarts.length >= policy.maxRestarts) {
      alive = false;
      options.logger.fatal(
        { err: error, restarts: restarts.length, windowMs: policy.windowMs },
        'consumer keeps crashing; giving up so the process is reported not live',
      );
      return;
    }
    const delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** restarts.length);
    restarts.push(now);
    options.logger.error({ err: error, delayMs: delay }, 'consumer stopped after a crash; restarting');
    restartTimer = setTimeout(() => {
      restartTimer = null;
      options.onRestart?.();
      void launch();
    }, delay);
  }

  function create(): Consumer {
    const current = options.create();
    consumer = current;
    current.on(current.events.GROUP_JOIN, () => {
      if (consumer === current) setJoined(true);
    });
    current.on(current.events.CRASH, ({ payload }) => {
      if (consumer !== current) return;
      setJoined(false);
      options.logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      // With restart: true kafkajs starts the same consumer again by itself.
      if (!payload.restart) scheduleRestart(payload.error);
    });
    return current;
  }

  async function launch(): Promise<void> {
    await consumer?.disconnect().catch(() => undefined);
    if (stopped) return;
    const current = create();
    try {
      await options.run(current);
    } catch (error) {
      if (consumer === current) scheduleRestart(error);
    }
  }

  return {
    async start() {
      stopped = false;
      // A failure to start at all is the caller's to report (the service does not start).
      await options.run(create());
    },
    async stop() {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = null;
      setJoined(false);
      await consumer?.disconnect();
      consumer = null;
    },
    joined: () => joined,
    live: () => alive,
  };
}
