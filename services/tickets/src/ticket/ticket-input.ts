import { z } from 'zod';
import { PRIORITIES, TICKET_TYPES } from '../classification/classification-rules';
import { CHANNELS, CUSTOMER_TYPES } from '../customer/customer.entity';
import { TicketError, TicketErrorCode } from './ticket.errors';

/** Limits a frontend can show next to its form fields. */
export const TICKET_LIMITS = {
  title: 200,
  description: 20_000,
  customerName: 200,
  contact: 200,
  category: 64,
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
  }),
  type: z.enum(TICKET_TYPES).nullish(),
  category: z
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{1,64}$/, 'category must be 1-64 lowercase letters, digits, _ or -')
    .nullish(),
  priority: z.enum(PRIORITIES).nullish(),
  queueId: z.string().trim().min(1).max(64).nullish(),
});

export type CreateTicketInput = z.infer<typeof createTicketInputSchema>;

/** Parses GraphQL input; every problem is reported in one BAD_USER_INPUT error. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    field: issue.path.join('.'),
    message: issue.message,
  }));
  throw new TicketError(TicketErrorCode.InvalidInput, problems.map((problem) => problem.message).join('; '), {
    problems,
  });
}
