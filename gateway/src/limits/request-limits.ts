import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  type GraphQLFormattedError,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxTokens: number;
  /** Off in production: "did you mean …" leaks the schema when introspection is off. */
  fieldSuggestions: boolean;
}

export interface ArmorProtection {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
}

type LimitName = 'maxDepth' | 'maxCost' | 'maxAliases' | 'maxTokens';

/**
 * Reports a limit refusal as our own error: Apollo relabels every validation
 * error GRAPHQL_VALIDATION_FAILED, so the limit name travels in extensions
 * and `formatLimitError` turns it back into BAD_USER_INPUT.
 */
function refuse(limit: LimitName) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const refusal = new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
      extensions: { code: 'BAD_USER_INPUT', limit },
    });
    if (context) context.reportError(refusal);
    else throw refusal;
  };
}

/** Depth, cost, alias and token limits (graphql-armor), shared by HTTP and graphql-ws. */
export function queryLimitProtection(limits: QueryLimits): ArmorProtection {
  const armor = new ApolloArmor({
    maxDepth: {
      n: limits.maxDepth,
      exposeLimits: true,
      propagateOnRejection: false,
      onReject: [refuse('maxDepth')],
    },
    costLimit: {
      maxCost: limits.maxCost,
      exposeLimits: true,
      propagateOnRejection: false,
      onReject: [refuse('maxCost')],
    },
    maxAliases: {
      n: limits.maxAliases,
      exposeLimits: true,
      propagateOnRejection: false,
      onReject: [refuse('maxAliases')],
    },
    maxTokens: {
      n: limits.maxTokens,
      exposeLimits: true,
      propagateOnRejection: false,
      onReject: [refuse('maxTokens')],
    },
    maxDirectives: { n: 50 },
    blockFieldSuggestion: { enabled: !limits.fieldSuggestions },
  });
  const { plugins, validationRules } = armor.protect();
  return { plugins, validationRules };
}

/**
 * Gives refusals Apollo leaves uncoded (or relabels) the code a client can
 * act on: limit refusals become BAD_USER_INPUT again, and a persisted query
 * whose hash does not match its text is the client's error, not ours.
 */
export function formatLimitError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (formatted.message === 'provided sha does not match query') {
    return {
      message: 'The persisted query hash does not match the query text: send the SHA-256 of the query.',
      extensions: { code: 'BAD_USER_INPUT' },
    };
  }
  // graphql-armor re-raises the token refusal from the parser without our extensions.
  if (/^(Syntax Error: )?Token limit of \d+ exceeded/.test(formatted.message)) {
    return {
      message: formatted.message.replace(/^Syntax Error: /, ''),
      extensions: { code: 'BAD_USER_INPUT', limit: 'maxTokens' },
    };
  }
  const limit = formatted.extensions?.limit;
  if (typeof limit !== 'string') return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
}
