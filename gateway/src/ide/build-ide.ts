import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { findPackageRoot } from '@deskgraph/platform';
import { IDE_ASSETS_DIR } from './ide-page';

// Run by `npm run build` after tsc: bundles GraphiQL and React from
// node_modules into dist/ide, so the page needs no CDN and no internet.
async function main(): Promise<void> {
  rmSync(IDE_ASSETS_DIR, { recursive: true, force: true });
  const result = await build({
    entryPoints: { graphiql: join(findPackageRoot(__dirname), 'src', 'ide', 'client', 'graphiql-app.tsx') },
    outdir: IDE_ASSETS_DIR,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'dataurl' },
    legalComments: 'linked',
    logLevel: 'warning',
    metafile: true,
  });
  const sizes = Object.entries(result.metafile.outputs)
    .map(([file, output]) => `${file.split('/').pop()} ${Math.round(output.bytes / 1024)} KiB`)
    .join(', ');
  // stderr: `npm run token` and `npm run seed` build first, and their stdout
  // must stay only the token(s) (README: TOKEN=$(npm run --silent token …)).
  console.error(`GraphiQL bundled into ${IDE_ASSETS_DIR}: ${sizes}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
