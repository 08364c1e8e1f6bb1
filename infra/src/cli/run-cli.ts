import { ConfigurationError } from '@deskgraph/platform';
import { InfrastructureError } from '../stack/process-utils';

/** Runs a CLI's main, printing known problems as plain sentences. */
export function runCli(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof InfrastructureError || error instanceof ConfigurationError) {
      process.stderr.write(`\ndeskgraph: ${error.message}\n`);
    } else {
      process.stderr.write(`\ndeskgraph: unexpected failure\n${(error as Error)?.stack ?? String(error)}\n`);
    }
    process.exit(1);
  });
}
