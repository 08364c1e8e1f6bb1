import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { maskSensitiveValues } from '../privacy/mask-input';
import { maskSensitive } from '../privacy/sensitive-numbers';

export type { Logger } from 'pino';

const correlation = new AsyncLocalStorage<{ correlationId: string }>();

/** Runs `work` with a correlation id that every log line inside it carries. */
export function withCorrelationId<T>(correlationId: string | undefined, work: () => T): T {
  return correlation.run({ correlationId: correlationId ?? randomUUID() }, work);
}

export function currentCorrelationId(): string | undefined {
  return correlation.getStore()?.correlationId;
}

/** An error whose message or stack holds an ID or card number, copied with both masked. */
function redactError(error: Error): Error {
  const message = maskSensitive(error.message);
  const stack = error.stack === undefined ? undefined : maskSensitive(error.stack);
  if (message === error.message && stack === error.stack) return error;
  const copy = new Error(message);
  copy.name = error.name;
  copy.stack = stack;
  return copy;
}

/**
 * Masks ID and card numbers in everything handed to a log call (message,
 * interpolation values, and string fields of the merged object), with the
 * same detector the services mask their input with.
 */
export function redactLogArguments(args: unknown[]): unknown[] {
  return args.map((argument) => {
    if (argument instanceof Error) return redactError(argument);
    if (argument !== null && typeof argument === 'object' && !Array.isArray(argument)) {
      const fields = argument as Record<string, unknown>;
      const masked = maskSensitiveValues(fields);
      const err = fields.err ?? fields.error;
      if (!(err instanceof Error)) return masked;
      return { ...masked, [fields.err !== undefined ? 'err' : 'error']: redactError(err) };
    }
    return maskSensitiveValues(argument);
  });
}

/** `destination` is stdout unless given (tests pass a stream to read the lines back). */
export function createLogger(service: string, level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method) {
        method.apply(this, redactLogArguments(args) as Parameters<typeof method>);
      },
    },
    mixin: () => {
      const correlationId = currentCorrelationId();
      return correlationId ? { correlationId } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
