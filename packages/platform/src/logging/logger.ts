import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

const correlation = new AsyncLocalStorage<{ correlationId: string }>();

/** Runs `work` with a correlation id that every log line inside it carries. */
export function withCorrelationId<T>(correlationId: string | undefined, work: () => T): T {
  return correlation.run({ correlationId: correlationId ?? randomUUID() }, work);
}

export function currentCorrelationId(): string | undefined {
  return correlation.getStore()?.correlationId;
}

export function createLogger(service: string, level: string): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => {
      const correlationId = currentCorrelationId();
      return correlationId ? { correlationId } : {};
    },
  });
}
