import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  type GraphQLFormattedError,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxTokens: number;
  /**
   * Depth and cost allowed for an operation that introspects (`__schema`).
   * The standard introspection query of GraphiQL, Sandbox and codegen is 21
   * deep and costs about 87,000, far above what data queries need.
   */
  maxIntrospectionDepth: number;
  maxIntrospectionCost: number;
  /** Off in production: "did you mean …" leaks the schema when introspection is off. */
  fieldSuggestions: boolean;
}

export interface ArmorProtection {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
  /** graphql-js parser options: the token limit is enforced while parsing. */
  parseOptions: ParseOptions;
}

type LimitName = 'maxDepth' | 'maxCost' | 'maxAliases' | 'maxIntrospectionDepth' | 'maxIntrospectionCost';

/**
 * Reports a limit refusal as our own validation error: Apollo answers every
 * validation error with HTTP 400 and relabels it GRAPHQL_VALIDATION_FAILED,
 * so the limit name travels in extensions and `formatLimitError` turns the
 * code back into BAD_USER_INPUT.
 */
function refuse(limit: LimitName, prefix = '') {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const refusal = new GraphQLError(prefix + error.message.replace(/^Syntax Error: /, ''), {
      extensions: { code: 'BAD_USER_INPUT', limit, http: { status: 400 } },
    });
    // Validation rules always get a context; the armor's parser-level checks are not used.
    context?.reportError(refusal);
  };
}

/**
 * Depth, cost and alias limits (graphql-armor) and the token limit (the
 * graphql-js parser), shared by HTTP and graphql-ws.
 *
 * Introspection obeys limits too: the data part of an operation is held to
 * MAX_QUERY_DEPTH / MAX_QUERY_COST, and the whole operation, introspection
 * included, to the introspection allowance, so the standard introspection
 * query works while a 40-level `ofType` probe is refused.
 */
export function queryLimitProtection(limits: QueryLimits): ArmorProtection {
  const common = { exposeLimits: true, propagateOnRejection: false } as const;
  const data = new ApolloArmor({
    maxDepth: { ...common, n: limits.maxDepth, onReject: [refuse('maxDepth')] },
    costLimit: { ...common, maxCost: limits.maxCost, onReject: [refuse('maxCost')] },
    // Aliased __typename counts too: a thousand of them are as much work to plan and answer.
    maxAliases: { ...common, n: limits.maxAliases, allowList: [], onReject: [refuse('maxAliases')] },
    // Enforced by graphql-js's parser (parseOptions): armor's token plugin throws from a
    // plugin hook, which Apollo answers with HTTP 500, and it parses every document twice.
    maxTokens: { enabled: false },
    maxDirectives: { n: 50 },
    blockFieldSuggestion: { enabled: !limits.fieldSuggestions },
  });
  const introspection = new ApolloArmor({
    maxDepth: {
      ...common,
      n: limits.maxIntrospectionDepth,
      ignoreIntrospection: false,
      onReject: [refuse('maxIntrospectionDepth', 'Introspection: ')],
    },
    costLimit: {
      ...common,
      maxCost: limits.maxIntrospectionCost,
      ignoreIntrospection: false,
      onReject: [refuse('maxIntrospectionCost', 'Introspection: ')],
    },
    maxAliases: { enabled: false },
    maxTokens: { enabled: false },
    maxDirectives: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  const protections = [data.protect(), introspection.protect()];
  return {
    plugins: protections.flatMap((protection) => protection.plugins),
    validationRules: protections.flatMap((protection) => protection.validationRules),
    parseOptions: { maxTokens: limits.maxTokens },
  };
}

const TOKEN_LIMIT = /^Syntax Error: Document contains more that (\d+) tokens/;

/** The token refusal of the parser as the BAD_USER_INPUT a client can act on, or null. */
export function tokenLimitRefusal(message: string): GraphQLFormattedError | null {
  const match = TOKEN_LIMIT.exec(message);
  if (!match) return null;
  return {
    message: `Token limit of ${match[1]} exceeded: send a smaller document (split it, or use fragments).`,
    extensions: { code: 'BAD_USER_INPUT', limit: 'maxTokens' },
  };
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
  const tokens = tokenLimitRefusal(formatted.message);
  if (tokens) return tokens;
  const limit = formatted.extensions?.limit;
  if (typeof limit !== 'string') return formatted;
  const { http: _http, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions: { ...extensions, code: 'BAD_USER_INPUT' } };
}
