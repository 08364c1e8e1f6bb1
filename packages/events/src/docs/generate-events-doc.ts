import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderEventsDoc } from './events-doc';

/** The workspace root: the nearest package.json that declares workspaces. */
export function repositoryRoot(from: string = __dirname): string {
  for (let directory = from; directory !== dirname(directory); directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest) && 'workspaces' in JSON.parse(readFileSync(manifest, 'utf8'))) return directory;
  }
  throw new Error(`No workspace root above ${from}`);
}

export const EVENTS_DOC_PATH = join(repositoryRoot(), 'docs', 'events.md');

/**
 * The document exactly as committed: rendered, then formatted by the
 * repository's prettier (run as a process: its API is ESM-only inside jest),
 * so `prettier --check .` and the drift test agree.
 */
export function formattedEventsDoc(): string {
  const prettierBin = join(dirname(require.resolve('prettier/package.json')), 'bin', 'prettier.cjs');
  return execFileSync(process.execPath, [prettierBin, '--stdin-filepath', EVENTS_DOC_PATH], {
    input: renderEventsDoc(),
    encoding: 'utf8',
  });
}

// `node packages/events/dist/src/docs/generate-events-doc.js` rewrites docs/events.md.
if (require.main === module) {
  writeFileSync(EVENTS_DOC_PATH, formattedEventsDoc());
  process.stdout.write(`wrote ${EVENTS_DOC_PATH}\n`);
}
