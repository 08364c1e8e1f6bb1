import { z } from 'zod';

/**
 * The only place that reads `process.env`. Each concern is one zod model;
 * `parseEnvironment` parses them all at once so every problem is reported
 * together instead of one per restart.
 */
export type EnvironmentSource = Record<string, string | undefined>;

export function readProcessEnvironment(): EnvironmentSource {
  return { ...process.env };
}

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

type Models = Record<string, z.ZodTypeAny>;
export type ParsedEnvironment<M extends Models> = { [K in keyof M]: z.output<M[K]> };

export function parseEnvironment<M extends Models>(
  models: M,
  source: EnvironmentSource = readProcessEnvironment(),
): ParsedEnvironment<M> {
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [concern, model] of Object.entries(models)) {
    const result = model.safeParse(source);
    if (result.success) {
      parsed[concern] = result.data;
    } else {
      for (const issue of result.error.issues) {
        const variable = issue.path.join('.') || concern;
        problems.push(`${variable}: ${issue.message}`);
      }
    }
  }
  if (problems.length > 0) throw new ConfigurationError([...new Set(problems)]);
  return parsed as ParsedEnvironment<M>;
}

/** Parses, or prints every problem and exits non-zero: for `main.ts` files. */
export function parseEnvironmentOrExit<M extends Models>(models: M): ParsedEnvironment<M> {
  try {
    return parseEnvironment(models);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
