import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { stopChild } from '../kafka/local-kafka';
import { InfrastructureError, waitFor } from '../stack/process-utils';

export interface LocalRedis {
  url: string;
  stop(): Promise<void>;
}

/**
 * A throwaway Redis for the test run (the gateway's shared rate limits), from
 * the machine's `redis-server` (Debian: `apt-get install redis-server`), with
 * nothing written to disk.
 */
export async function startLocalRedis(port: number): Promise<LocalRedis> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  let failed: Error | null = null;
  child.once('error', (error) => (failed = error));
  await waitFor(
    async () => {
      if (failed) {
        throw new InfrastructureError(
          `Cannot start redis-server (${(failed as Error).message}): install it (apt-get install redis-server) or set REDIS_URL.`,
        );
      }
      return new Promise<boolean>((resolve) => {
        const socket = createConnection({ port, host: '127.0.0.1' }, () => {
          socket.end();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
    },
    { timeoutMs: 15_000, intervalMs: 100, what: 'redis-server to accept connections' },
  );
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child, 5_000) };
}
