import { createServer } from 'node:net';

/** A problem the user can fix; printed as a sentence, not a stack trace. */
export class InfrastructureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InfrastructureError';
  }
}

export async function waitFor(
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs: number; what: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
  throw new InfrastructureError(`Timed out after ${options.timeoutMs / 1000}s waiting for ${options.what}.`);
}

export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Asks the OS for a free port (for tests and parallel runs). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function assertPortFree(port: number, advice: string): Promise<void> {
  if (!(await isPortFree(port))) throw new InfrastructureError(`Port ${port} is busy. ${advice}`);
}
