import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** The nearest folder with a package.json: works from `src/` (tests) and `dist/src/` alike. */
export function findPackageRoot(start: string): string {
  for (let directory = start; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'package.json'))) return directory;
    if (dirname(directory) === directory) throw new Error(`No package.json above ${start}`);
  }
}
