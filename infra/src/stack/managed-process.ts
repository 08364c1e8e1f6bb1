import { readProcessEnvironment } from '@deskgraph/platform';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { stopChild } from '../kafka/local-kafka';
import { InfrastructureError, waitFor } from './process-utils';

export interface ManagedProcessOptions {
  name: string;
  script: string;
  env: Record<string, string>;
  /** Where to append the process's output (JSON logs); stdout when absent. */
  logFile?: string;
  /** Health URL that answers 200 once the process is ready. */
  readyUrl: string;
}

/** A deskgraph Node process the launcher or a test can start, kill and restart. */
export class ManagedProcess {
  private child: ChildProcess | null = null;
  private log: WriteStream | null = null;

  constructor(readonly options: ManagedProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    this.log ??= this.options.logFile ? createWriteStream(this.options.logFile, { flags: 'a' }) : null;
    const child = spawn(process.execPath, [this.options.script], {
      env: { PATH: readProcessEnvironment().PATH ?? '', ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const sink = this.log ?? process.stdout;
    child.stdout?.pipe(sink, { end: false });
    child.stderr?.pipe(sink, { end: false });
    let exited: number | null = null;
    child.once('exit', (code) => (exited = code ?? -1));
    await waitFor(
      async () => {
        if (exited !== null) {
          throw new InfrastructureError(
            `${this.options.name} exited with code ${exited} while starting` +
              (this.options.logFile ? `; see ${this.options.logFile}` : ''),
          );
        }
        try {
          const response = await fetch(this.options.readyUrl);
          return response.ok;
        } catch {
          return false;
        }
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `${this.options.name} to become ready` },
    );
  }

  /** Graceful stop (SIGTERM), as an orchestrator would do. */
  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child, 15_000);
    this.child = null;
  }

  /** Abrupt death (SIGKILL): nothing gets a chance to clean up. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }

  async close(): Promise<void> {
    await this.stop();
    this.log?.end();
    this.log = null;
  }
}
