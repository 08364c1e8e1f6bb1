import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express, { type RequestHandler } from 'express';
import { findPackageRoot, type Logger } from '@deskgraph/platform';

/** Where `npm run build` writes the GraphiQL bundle (see build-ide.ts). */
export const IDE_ASSETS_DIR = join(findPackageRoot(__dirname), 'dist', 'ide');
/** URL path the bundle is served under; the page itself is GET /graphql with Accept: text/html. */
export const IDE_ASSETS_PATH = '/ide';

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>deskgraph · GraphiQL</title>
    <link rel="stylesheet" href="${IDE_ASSETS_PATH}/graphiql.css" />
    <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="${IDE_ASSETS_PATH}/graphiql.js"></script>
  </body>
</html>`;

const MISSING = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>deskgraph · GraphiQL missing</title></head>
<body><p>The GraphiQL bundle is missing from ${IDE_ASSETS_DIR}: run <code>npm run build</code> and restart the gateway.</p></body></html>`;

/**
 * The landing page Apollo Server shows browsers at GET /graphql: our own
 * GraphiQL (bundled from npm, no CDN) when enabled, otherwise none at all —
 * Apollo's default pages load their scripts from a CDN.
 */
export function ideLandingPage(enabled: boolean, logger: Logger): ApolloServerPlugin {
  if (!enabled) return ApolloServerPluginLandingPageDisabled();
  const built = existsSync(join(IDE_ASSETS_DIR, 'graphiql.js'));
  if (!built) logger.warn({ dir: IDE_ASSETS_DIR }, 'GraphiQL bundle missing: run `npm run build`');
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html: built ? PAGE : MISSING };
        },
      };
    },
  };
}

/** Static files of the bundle; nothing is served when the IDE is off. */
export function ideAssets(enabled: boolean): RequestHandler {
  if (!enabled) return (_request, _response, next) => next();
  // File names carry no hash: browsers revalidate (ETag) so a rebuild shows at once.
  return express.static(IDE_ASSETS_DIR, { index: false });
}
