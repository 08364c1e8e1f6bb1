// Imported first by main.ts: instrumentation patches pg, http and graphql only if it loads before them.
import { startTracing } from '@deskgraph/platform/tracing';

startTracing({ serviceName: 'deskgraph-channels' });
