import { CLOCK_SKEW_MS, type InputProblem, describeProblems } from '@deskgraph/platform';
import { z } from 'zod';
import { PRIORITIES, TICKET_TYPES } from '../classification/classification-rules';
import { CHANNELS, CUSTOMER_TYPES } from '../customer/customer.entity';
import { CUSTOMER_MOODS } from './ticket.entity';
import { TicketError, TicketErrorCode } from './ticket.errors';

/** Limits a frontend can show next to its form fields. */
export const TICKET_LIMITS = {
  title: 200,
  description: 20_000,
  customerName: 200,
  contact: 200,
  category: 64,
  message: 20_000,
  reason: 2_000,
  attachments: 20,
  tags: 20,
};

const trimmed = (field: string, max: number) =>
  z
    .string()
    .transform((value) => value.trim())
    .pipe(
      z.string().min(1, `${field} must not be empty`).max(max, `${field} must be at most ${max} characters`),
    );

export const createTicketInputSchema = z.object({
  title: trimmed('title', TICKET_LIMITS.title),
  description: trimmed('description', TICKET_LIMITS.description),
  channel: z.enum(CHANNELS),
  customer: z.object({
    id: z.string().trim().min(1).max(64).nullish(),
    name: trimmed('customer.name', TICKET_LIMITS.customerName),
    type: z.enum(CUSTOMER_TYPES).nullish(),
    contact: z.string().trim().max(TICKET_LIMITS.contact).nullish(),
    preferredChannel: z.enum(CHANNELS).nullish(),
    tier: z
      .string()
      .trim()
      .regex(/^[A-Z0-9_-]{1,32}$/, "customer.tier must be 1-32 capital letters, digits, _ or -, e.g. 'KEY'")
      .nullish(),
    region: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, "customer.region must be 1-32 letters, digits, _ or -, e.g. 'CN-GD'")
      .nullish(),
  }),
  type: z.enum(TICKET_TYPES).nullish(),
  category: z
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{1,64}$/, 'category must be 1-64 lowercase letters, digits, _ or -')
    .nullish(),
  priority: z.enum(PRIORITIES).nullish(),
  queueId: z.string().trim().min(1).max(64).nullish(),
  // What already happened cannot be later than now (a client's clock may be a few minutes fast).
  occurredAt: z
    .date()
    .refine(
      (date) => date.getTime() <= Date.now() + CLOCK_SKEW_MS,
      'occurredAt cannot be in the future (at most 5 minutes ahead of the server clock)',
    )
    .nullish(),
  expectedOutcome: z.string().trim().max(TICKET_LIMITS.reason).nullish(),
  expectedBy: z.date().nullish(),
  customerMood: z.enum(CUSTOMER_MOODS).nullish(),
  attachments: z
    .array(
      z.object({
        name: z.string().trim().min(1).max(255),
        contentType: z.string().trim().min(1).max(127),
        sizeBytes: z
          .number()
          .int()
          .min(0)
          .max(5 * 1024 ** 3),
        url: z.string().url().max(2048),
      }),
    )
    .max(TICKET_LIMITS.attachments, `at most ${TICKET_LIMITS.attachments} attachments`)
    .nullish(),
  tags: z
    .array(
      z
        .string()
        .trim()
        // Masking runs before validation: a tag that was an ID or card number arrives with '*'.
        .regex(
          /^[\p{L}\p{N}_-]{1,32}$/u,
          'tags are 1-32 letters, digits, _ or - (ID and card numbers are masked with * and cannot be tags)',
        ),
    )
    .max(TICKET_LIMITS.tags)
    .nullish(),
});

/** Free text with the service's limits: required, trimmed, bounded. */
export function requiredText(field: string, max: number) {
  return trimmed(field, max);
}

/** Optional free text: blank means absent, too long is refused rather than cut. */
export function optionalText(field: string, max: number) {
  return z
    .string()
    .trim()
    .max(max, `${field} must be at most ${max} characters`)
    .nullish()
    .transform((value) => value || null);
}

export type CreateTicketInput = z.infer<typeof createTicketInputSchema>;

/** Parses GraphQL input; every problem is reported in one BAD_USER_INPUT error. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue): InputProblem => ({
    field: issue.path.join('.'),
    message: issue.message,
  }));
  throw new TicketError(TicketErrorCode.InvalidInput, describeProblems(problems), {
    problems,
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Ticket and proposal ids are UUIDs; anything else is a client mistake, not a lookup. */
export function assertUuid(value: string, what: string): void {
  if (!isUuid(value)) {
    throw new TicketError(TicketErrorCode.InvalidInput, `"${value}" is not a ${what} id (a UUID).`, {
      field: what,
    });
  }
}
