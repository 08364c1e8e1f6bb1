import { composeSupergraph, readCommittedSupergraph, SUPERGRAPH_PATH, writeSupergraph } from './compose';

// `npm run compose` rewrites gateway/supergraph.graphql; `-- --check` only
// reports whether the committed file is stale (for CI).
const check = process.argv.includes('--check');
try {
  const { supergraphSdl, hints } = composeSupergraph();
  for (const hint of hints) process.stderr.write(`hint: ${hint}\n`);
  if (check) {
    const stale = readCommittedSupergraph() !== supergraphSdl;
    process.stdout.write(
      stale ? `${SUPERGRAPH_PATH} is stale: run npm run compose\n` : 'supergraph is up to date\n',
    );
    process.exit(stale ? 1 : 0);
  }
  writeSupergraph(supergraphSdl);
  process.stdout.write(`wrote ${SUPERGRAPH_PATH}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
