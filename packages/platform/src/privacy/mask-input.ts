import { maskSensitive } from './sensitive-numbers';

export interface TextMaskingOptions {
  /**
   * Input fields that hold a phone number, as dotted paths of field names
   * matched at the end of a value's path (array positions ignored), e.g.
   * `customer.contact` matches `input.customer.contact`. They are still masked
   * for ID and card numbers, but any digits that are a possible phone number
   * are kept (see `DetectionOptions.phoneField`).
   */
  phoneNumberFields?: readonly string[];
}

const MAX_DEPTH = 12;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function endsWithField(path: readonly string[], field: readonly string[]): boolean {
  return (
    field.length <= path.length &&
    field.every((name, index) => path[path.length - field.length + index] === name)
  );
}

/**
 * Returns `value` with every string inside it (plain objects and arrays, any
 * depth) masked by `maskSensitive`. Unchanged parts are returned as they are,
 * so a value without sensitive numbers comes back identical (same object).
 */
export function maskSensitiveValues<T>(value: T, options: TextMaskingOptions = {}): T {
  const phoneFields = (options.phoneNumberFields ?? []).map((field) => field.split('.'));
  const visit = (current: unknown, path: string[], depth: number): unknown => {
    if (typeof current === 'string') {
      return maskSensitive(current, { phoneField: phoneFields.some((field) => endsWithField(path, field)) });
    }
    if (depth >= MAX_DEPTH) return current;
    if (Array.isArray(current)) {
      let changed = false;
      const next = current.map((item) => {
        const masked = visit(item, path, depth + 1);
        changed ||= masked !== item;
        return masked;
      });
      return changed ? next : current;
    }
    if (isPlainObject(current)) {
      let changed = false;
      const next: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(current)) {
        next[key] = visit(item, [...path, key], depth + 1);
        changed ||= next[key] !== item;
      }
      return changed ? next : current;
    }
    return current;
  };
  return visit(value, [], 0) as T;
}

type Resolver = (parent: unknown, args: unknown, context: unknown, info: unknown) => unknown;

/**
 * The privacy boundary of a subgraph: wraps every Query and Mutation resolver
 * so that all string arguments, at any depth of input objects, are masked
 * before the resolver (and so any validation or storage) sees them. Queries
 * are covered too because some record what they are given (searches).
 */
export function maskResolverArguments<T extends object>(resolvers: T, options: TextMaskingOptions = {}): T {
  const wrapped: Record<string, unknown> = { ...(resolvers as Record<string, unknown>) };
  for (const type of ['Query', 'Mutation']) {
    const fields = wrapped[type] as Record<string, Resolver> | undefined;
    if (!fields) continue;
    wrapped[type] = Object.fromEntries(
      Object.entries(fields).map(([name, resolve]) => [
        name,
        typeof resolve === 'function'
          ? (parent: unknown, args: unknown, context: unknown, info: unknown) =>
              resolve(parent, maskSensitiveValues(args, options), context, info)
          : resolve,
      ]),
    );
  }
  return wrapped as T;
}
