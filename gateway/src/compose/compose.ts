import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, type GraphQLSchema } from 'graphql';
import { findPackageRoot, readSchemaFiles } from '@deskgraph/platform';

const gatewayRoot = findPackageRoot(__dirname);
const repositoryRoot = resolve(gatewayRoot, '..');

/** The subgraphs and the URL each listens on in a default local run. */
export const SUBGRAPHS = [
  { name: 'tickets', url: 'http://localhost:4001/graphql' },
  { name: 'sla', url: 'http://localhost:4002/graphql' },
  { name: 'knowledge', url: 'http://localhost:4003/graphql' },
  { name: 'analytics', url: 'http://localhost:4004/graphql' },
  { name: 'channels', url: 'http://localhost:4005/graphql' },
] as const;

export const SUPERGRAPH_PATH = join(gatewayRoot, 'supergraph.graphql');

export interface CompositionResult {
  supergraphSdl: string;
  hints: string[];
  /** The schema clients see: the supergraph without federation's machinery. */
  apiSchema: GraphQLSchema;
}

/** Composes the subgraphs' SDL files into the supergraph the gateway loads. */
export function composeSupergraph(): CompositionResult {
  const result = composeServices(
    SUBGRAPHS.map((subgraph) => ({
      name: subgraph.name,
      url: subgraph.url,
      typeDefs: parse(readSchemaFiles(join(repositoryRoot, 'services', subgraph.name, 'schema'))),
    })),
  );
  if (result.errors) {
    throw new Error(
      `Composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`,
    );
  }
  return {
    supergraphSdl: `${result.supergraphSdl.trimEnd()}\n`,
    hints: result.hints.map((hint) => `${hint.definition.code}: ${hint.message}`),
    apiSchema: result.schema.toAPISchema().toGraphQLJSSchema(),
  };
}

export function readCommittedSupergraph(path = SUPERGRAPH_PATH): string {
  return readFileSync(path, 'utf8');
}

export function writeSupergraph(sdl: string, path = SUPERGRAPH_PATH): void {
  writeFileSync(path, sdl);
}
