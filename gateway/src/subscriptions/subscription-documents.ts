import {
  parse,
  validate,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import { LRUCache } from 'lru-cache';

/**
 * Parses and validates each distinct subscription text once. Thousands of
 * supervisors send the same few subscriptions: sharing one document keeps
 * its syntax tree out of every connection's memory, and is what lets
 * SharedSubscriptionExecutor group their executions (it groups by document).
 * Parse errors are not kept (each is thrown again to its sender).
 */
export class SubscriptionDocuments {
  private readonly documents: LRUCache<string, DocumentNode>;
  /** Per schema (a new one on every supergraph load): the validation errors of each document. */
  private readonly validations = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, readonly GraphQLError[]>>();

  constructor(
    private readonly parseOptions: ParseOptions,
    private readonly rules: readonly ValidationRule[],
    /** Total characters of the texts kept. */
    maxChars = 1_000_000,
  ) {
    this.documents = new LRUCache({ maxSize: maxChars, sizeCalculation: (_document, query) => query.length });
  }

  /** The shared document of `query`; throws graphql's parse error as `parse` does. */
  parse(query: string): DocumentNode {
    let document = this.documents.get(query);
    if (!document) {
      document = parse(query, this.parseOptions);
      this.documents.set(query, document);
    }
    return document;
  }

  validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
    let bySchema = this.validations.get(schema);
    if (!bySchema) this.validations.set(schema, (bySchema = new WeakMap()));
    let errors = bySchema.get(document);
    if (!errors) bySchema.set(document, (errors = validate(schema, document, this.rules)));
    return errors;
  }
}
