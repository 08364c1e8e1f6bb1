import { Client } from 'pg';

/**
 * Which replica polls a mailbox: a PostgreSQL session advisory lock, keyed
 * by the mailbox name, held on a connection of its own for as long as the
 * replica polls. PostgreSQL releases it when that connection ends, so a
 * replica that crashes (or loses its connection) frees the mailbox for the
 * others without any lease to wait out.
 */
export class MailboxLease {
  private client: Client | null = null;
  private held = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly mailbox: string,
    /** Called when the connection holding the lock is gone: another replica may hold it now. */
    private readonly onLost: () => void,
  ) {}

  get holds(): boolean {
    return this.held;
  }

  /**
   * Takes the lock if no one holds it; true while this replica holds it. When
   * already held, checks the connection still works (so the lock is still ours).
   */
  async acquire(): Promise<boolean> {
    if (this.held && this.client) {
      await this.client.query('SELECT 1');
      return true;
    }
    let client = this.client;
    if (!client) {
      client = this.connect();
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      this.client = client;
    }
    const { rows } = await client.query<{ taken: boolean }>(
      // A key of its own namespace, so no other advisory lock of the database collides with a mailbox's.
      `SELECT pg_try_advisory_lock(hashtextextended('deskgraph.channels.imap:' || $1, 0)) AS taken`,
      [this.mailbox],
    );
    this.held = rows[0].taken;
    return this.held;
  }

  private connect(): Client {
    const client = new Client({
      connectionString: this.databaseUrl,
      application_name: `deskgraph-channels-imap:${this.mailbox}`.slice(0, 63),
    });
    const lost = () => {
      // Before it is connected, a failure is the caller's to handle; after release, nothing is left to lose.
      if (this.client !== client) return;
      const wasHeld = this.held;
      this.client = null;
      this.held = false;
      client.end().catch(() => undefined);
      if (wasHeld) this.onLost();
    };
    client.on('error', lost);
    client.on('end', lost);
    return client;
  }

  /** Gives the mailbox up (closing the connection releases the lock). */
  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.held = false;
    await client?.end().catch(() => undefined);
  }
}
