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
  /** How long a start may take (default 120 s); tests starting many processes on a small machine wait longer. */
  readyTimeoutMs?: number;
}

const TAIL_LINES = 20;

// Every child still running, so an exiting parent (a failed test file, a
// crashed launcher) never leaves one behind.
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/** A deskgraph Node process the launcher or a test can start, kill and restart. */
export class ManagedProcess {
  private child: ChildProcess | null = null;
  private log: WriteStream | null = null;
  // The last lines it printed, for the error when it dies while starting.
  private tail: string[] = [];
  // Resolves once the child exited and its output pipes closed.
  private closed: Promise<void> = Promise.resolve();

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
    liveChildren.add(child);
    child.once('exit', () => liveChildren.delete(child));
    const sink = this.log ?? process.stdout;
    this.tail = [];
    for (const stream of [child.stdout, child.stderr]) {
      stream?.pipe(sink, { end: false });
      stream?.on('data', (chunk: Buffer) => this.remember(chunk));
    }
    let exited: number | null = null;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    this.closed = closed;
    child.once('exit', (code, signal) => (exited = code ?? (signal ? 128 : -1)));
    await waitFor(
      async () => {
        if (exited !== null) {
          await closed; // all of its output is in the tail
          throw new InfrastructureError(
            `${this.options.name} exited with code ${exited} while starting` +
              (this.options.logFile ? `; see ${this.options.logFile}` : '') +
              `. Its last output:\n${this.tail.join('\n')}`,
          );
        }
        try {
          const response = await fetch(this.options.readyUrl);
          return response.ok;
        } catch {
          return false;
        }
      },
      {
        timeoutMs: this.options.readyTimeoutMs ?? 120_000,
        intervalMs: 200,
        what: `${this.options.name} to become ready`,
      },
    );
  }

  private remember(chunk: Buffer): void {
    const lines = chunk.toString('utf8').split('\n').filter(Boolean);
    this.tail.push(...lines.map((line) => (line.length > 1_000 ? `${line.slice(0, 1_000)}…` : line)));
    if (this.tail.length > TAIL_LINES) this.tail.splice(0, this.tail.length - TAIL_LINES);
  }

  /** Graceful stop (SIGTERM, then SIGKILL after 15 s), as an orchestrator would do. */
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
    await this.closed; // the log stream must not end before the child's last output

    this.log?.end();
    this.log = null;
  }
}
