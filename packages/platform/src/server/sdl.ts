import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type DocumentNode } from 'graphql';

/** Reads every `*.graphql` file of a service's schema folder, in name order. */
export function readSchemaFiles(directory: string): string {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(directory, file), 'utf8'))
    .join('\n');
}

export function loadSubgraphTypeDefs(directory: string): DocumentNode {
  return parse(readSchemaFiles(directory));
}
