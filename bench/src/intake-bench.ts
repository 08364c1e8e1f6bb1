import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Client as PgClient } from 'pg';
import { namespaced, TOPICS } from '@deskgraph/events';
import { signDevelopmentToken } from '@deskgraph/gateway';
import { startTestStack, TEST_JWT_SECRET, type TestStack } from '@deskgraph/infra';
import { monotonicMicros, profilesByPid, summarizeProfile } from './cpu-profile';
import { clusterTicks, listeningPid, machineTicks, parentPid, processTicks } from './process-cpu';
import { formatMs, summarize } from './stats';

// Ticket storm: createTicket through the gateway, open loop, in rate steps,
// then a burst as fast as it is accepted; every second each consumer group's
// lag (messages and seconds) from Kafka, CPU per process from /proc; at the
// end exact counts across the pipeline. Prints figures, asserts nothing; the
// last line is one JSON object. `npm run bench:intake -- --steps 25,50
// --step-seconds 10 --burst 500` starts its own stack on the test
// infrastructure; `--gateway URL --database-url URL --kafka-brokers LIST
// [--namespace NS] [--jwt-secret S] [--pids name=pid,…] [--subgraphs name=url,…]`
// uses a running one (its gateway must allow the rate: RATE_LIMIT_PER_SECOND).
// SQL statements per ticket per service come from each subgraph's /metrics
// (deskgraph_database_statements_total): a figure the machine's load does not move.
// `--cpu-prof DIR` starts the stack's Node processes with `--cpu-prof` into DIR
// and prints, per process, CPU ms per ticket and the top self-time functions
// and modules over the steps (run one step below saturation, e.g. `--steps 150
// --burst 0`); PostgreSQL and Kafka CPU come from /proc, their waits from
// pg_stat_activity sampled every 250 ms.
const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '25,50,100,250,500,1000,2000' },
    'step-seconds': { type: 'string', default: '30' },
    burst: { type: 'string', default: '5000' },
    'burst-concurrency': { type: 'string', default: '200' },
    'drain-timeout-seconds': { type: 'string', default: '120' },
    gateway: { type: 'string' },
    'database-url': { type: 'string' },
    'kafka-brokers': { type: 'string' },
    namespace: { type: 'string', default: '' },
    'jwt-secret': { type: 'string', default: 'deskgraph-development-jwt-secret' },
    pids: { type: 'string', default: '' },
    subgraphs: { type: 'string', default: '' },
    'cpu-prof': { type: 'string' },
  },
});
const steps = values.steps
  .split(',')
  .map(Number)
  .filter((rate) => rate > 0);
const stepSeconds = Number(values['step-seconds']);
const burstSize = Number(values.burst);
const burstConcurrency = Number(values['burst-concurrency']);
const drainTimeoutMs = Number(values['drain-timeout-seconds']) * 1000;
const SAMPLE_MS = 1000;
const ACTIVITY_SAMPLE_MS = 250;
const profileDirectory = values['cpu-prof'] ? resolvePath(values['cpu-prof']) : null;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const runId = randomUUID().slice(0, 8);
const titlePrefix = `intake-bench ${runId} `;
const out = (line = '') => process.stdout.write(`${line}\n`);

interface Target {
  gatewayUrl: string;
  databaseUrl: string;
  kafkaBrokers: string;
  namespace: string;
  jwtSecret: string;
  pids: Record<string, number>;
  /** Subgraph GraphQL URLs by name; their /metrics count SQL statements. */
  subgraphs: Record<string, string>;
  stack: TestStack | null;
}

function namedList(list: string): [string, string][] {
  return list
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    });
}

async function target(): Promise<Target> {
  if (values.gateway) {
    if (profileDirectory)
      throw new Error('--cpu-prof starts the stack itself: it cannot be used with --gateway');
    if (!values['database-url'] || !values['kafka-brokers']) {
      throw new Error('--gateway needs --database-url and --kafka-brokers of the same stack');
    }
    const pids = Object.fromEntries(namedList(values.pids).map(([name, pid]) => [name, Number(pid)]));
    return {
      gatewayUrl: values.gateway,
      databaseUrl: values['database-url'],
      kafkaBrokers: values['kafka-brokers'],
      namespace: values.namespace,
      jwtSecret: values['jwt-secret'],
      pids,
      subgraphs: Object.fromEntries(namedList(values.subgraphs)),
      stack: null,
    };
  }
  // One agent token sends everything, so the per-user limit must not be what is measured.
  if (profileDirectory) mkdirSync(profileDirectory, { recursive: true });
  const stack = await startTestStack({
    env: {
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
      // Each process writes its profile when it exits (the stack stops them gracefully).
      ...(profileDirectory ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDirectory}` } : {}),
    },
  });
  const pids = Object.fromEntries(
    Object.entries(stack.processes).map(([name, managed]) => [name, managed.pid ?? 0]),
  );
  return {
    gatewayUrl: stack.gatewayUrl,
    databaseUrl: stack.databaseUrl,
    kafkaBrokers: stack.kafkaBrokers,
    namespace: stack.namespace,
    jwtSecret: TEST_JWT_SECRET,
    pids,
    subgraphs: stack.subgraphUrls,
    stack,
  };
}

// ---- sending --------------------------------------------------------------

interface Sent {
  ok: boolean;
  ms: number;
  error?: string;
}

function createSender(gatewayUrl: string, token: string) {
  const url = new URL(gatewayUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const query = 'mutation($input: CreateTicketInput!) { createTicket(input: $input) { id number } }';
  let sequence = 0;
  return (): Promise<Sent> => {
    const index = sequence++;
    const body = JSON.stringify({
      query,
      variables: {
        input: {
          title: `${titlePrefix}${index}`,
          description: 'The payment system is down: 系统故障导致无法下单',
          channel: 'APP',
          priority: 'P2',
          queueId: 'general',
          customer: { name: `Storm customer ${index}` },
        },
      },
    });
    const started = performance.now();
    return new Promise((resolve) => {
      const done = (ok: boolean, error?: string) => resolve({ ok, ms: performance.now() - started, error });
      const outgoing = request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${token}`,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.once('end', () => {
            try {
              const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
                data?: { createTicket?: { id: string } } | null;
                errors?: { message?: string; extensions?: { code?: string } }[];
              };
              if (parsed.data?.createTicket?.id) done(true);
              else {
                const error = parsed.errors?.[0];
                done(
                  false,
                  `${error?.extensions?.code ?? `HTTP ${response.statusCode}`}: ${error?.message?.slice(0, 80)}`,
                );
              }
            } catch {
              done(false, `HTTP ${response.statusCode}`);
            }
          });
          response.once('error', (error) => done(false, error.message));
        },
      );
      outgoing.once('error', (error) => done(false, (error as NodeJS.ErrnoException).code ?? error.message));
      outgoing.end(body);
    });
  };
}

const round = (value: number) => Math.round(value * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Open loop: request i leaves at start + i/rate, whether or not earlier ones were answered. */
async function openLoop(send: () => Promise<Sent>, rate: number, seconds: number) {
  const results: Promise<Sent>[] = [];
  const total = Math.round(rate * seconds);
  const started = performance.now();
  while (results.length < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
    while (results.length < due) results.push(send());
    await sleep(Math.max(1, Math.floor(1000 / rate)));
  }
  const sendSeconds = (performance.now() - started) / 1000;
  const answered = await Promise.all(results);
  return { answered, sendSeconds, lastAnswerSeconds: (performance.now() - started) / 1000 };
}

/** Burst: keep `concurrency` requests in flight until `total` were sent. */
async function burst(send: () => Promise<Sent>, total: number, concurrency: number) {
  const answered: Sent[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        next++;
        answered.push(await send());
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { answered, sendSeconds: seconds, lastAnswerSeconds: seconds };
}

// ---- Kafka lag -------------------------------------------------------------

interface GroupLag {
  messages: number;
  seconds: number;
}

/**
 * Samples consumer-group lag: committed offsets (admin.fetchOffsets) against
 * topic end offsets (admin.fetchTopicOffsets). Lag in seconds is how long
 * ago the oldest unconsumed message was written, read off this sampler's
 * history of end offsets (interpolated between samples).
 */
class LagSampler {
  private readonly history = new Map<string, { at: number; high: number }[]>();
  readonly samples: { at: number; groups: Record<string, GroupLag> }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly topics: string[];
  private readonly seen = new Set<string>();
  private readonly committing = new Set<string>();

  constructor(
    private readonly admin: Admin,
    private readonly namespace: string,
  ) {
    this.topics = Object.values(TOPICS).map((topic) => namespaced(namespace, topic));
  }

  start() {
    const tick = async () => {
      try {
        await this.sample();
      } catch (error) {
        process.stderr.write(`lag sample failed: ${(error as Error).message}\n`);
      }
      this.timer = setTimeout(tick, SAMPLE_MS);
    };
    void tick();
  }

  stop() {
    if (this.timer) clearTimeout(this.timer);
  }

  async sample(): Promise<Record<string, GroupLag>> {
    const at = Date.now();
    const highs = new Map<string, number>();
    for (const topic of this.topics) {
      for (const partition of await this.admin.fetchTopicOffsets(topic)) {
        const key = `${topic}/${partition.partition}`;
        const high = Number(partition.high);
        highs.set(key, high);
        const points = this.history.get(key) ?? [];
        if (points.length === 0 || points[points.length - 1].high !== high) points.push({ at, high });
        this.history.set(key, points);
      }
    }
    const prefix = this.namespace ? `${this.namespace}.` : '';
    const { groups } = await this.admin.listGroups();
    const result: Record<string, GroupLag> = {};
    for (const { groupId } of groups) {
      if (!groupId.startsWith(prefix) || groupId.includes('intake-bench')) continue;
      const name = groupId.slice(prefix.length);
      const offsets = await this.admin.fetchOffsets({ groupId, topics: this.topics });
      let messages = 0;
      let seconds = 0;
      let committedAny = false;
      for (const { topic, partitions } of offsets) {
        for (const { partition, offset } of partitions) {
          const committed = Number(offset);
          if (committed < 0) continue;
          committedAny = true;
          const key = `${topic}/${partition}`;
          const high = highs.get(key) ?? committed;
          if (high <= committed) continue;
          messages += high - committed;
          seconds = Math.max(seconds, (at - this.writtenAt(key, committed)) / 1000);
        }
      }
      this.seen.add(name);
      if (!committedAny) continue;
      this.committing.add(name);
      result[name] = { messages, seconds };
    }
    this.samples.push({ at, groups: result });
    return result;
  }

  /** When offset `offset` was written: between the last sample below it and the first at or above it. */
  private writtenAt(key: string, offset: number): number {
    const points = this.history.get(key) ?? [];
    for (let index = 0; index < points.length; index++) {
      if (points[index].high > offset) {
        if (index === 0) return points[0].at;
        const before = points[index - 1];
        const after = points[index];
        const share = (offset - before.high) / (after.high - before.high);
        return before.at + share * (after.at - before.at);
      }
    }
    return Date.now();
  }

  /** Groups that never committed (e.g. the gateway's stream, which starts at the latest offset). */
  uncommitted(): string[] {
    return [...this.seen].filter((group) => !this.committing.has(group));
  }

  worstSince(from: number): Record<string, GroupLag> {
    const worst: Record<string, GroupLag> = {};
    for (const sample of this.samples.filter((candidate) => candidate.at >= from)) {
      for (const [group, lag] of Object.entries(sample.groups)) {
        const current = (worst[group] ??= { messages: 0, seconds: 0 });
        current.messages = Math.max(current.messages, lag.messages);
        current.seconds = round(Math.max(current.seconds, lag.seconds));
      }
    }
    return worst;
  }

  /** Waits until every committing group has consumed up to the end of its topics; returns ms waited. */
  async drain(timeoutMs: number): Promise<number | null> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      const lags = await this.sample();
      if (Object.values(lags).every((lag) => lag.messages === 0)) return Date.now() - started;
      await sleep(200);
    }
    return null;
  }
}

/**
 * Every 250 ms, what each service's PostgreSQL backends are doing (pg_stat_activity): running
 * ("CPU": active with no wait event, or waiting for a core), waiting (by wait event; "Lock" ones
 * are a hot row or lock), or idle in a transaction (waiting for the Node process). Averages per
 * phase say where the database time goes.
 */
class ActivitySampler {
  readonly samples: { at: number; waits: Record<string, number>; activity: Record<string, number> }[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly database: PgClient) {}

  start() {
    const tick = async () => {
      try {
        const { rows } = await this.database.query<{
          app: string;
          what: string;
          lock: boolean;
          count: number;
        }>(
          `SELECT substring(application_name FROM 11) AS app,
                  CASE WHEN state = 'active' THEN coalesce(wait_event_type || ':' || wait_event, 'CPU')
                       ELSE state END AS what,
                  coalesce(state = 'active' AND wait_event_type = 'Lock', false) AS lock, count(*)::int AS count
             FROM pg_stat_activity
            WHERE datname = current_database() AND application_name LIKE 'deskgraph-%' AND state <> 'idle'
            GROUP BY 1, 2, 3`,
        );
        const waits: Record<string, number> = {};
        const activity: Record<string, number> = {};
        for (const row of rows) {
          // By wait event: "object" is the commit-time lock of NOTIFY, "tuple"/"transactionid" a hot row.
          if (row.lock) waits[`${row.app} ${row.what.slice('Lock:'.length)}`] = row.count;
          activity[`${row.app} ${row.what}`] = row.count;
        }
        this.samples.push({ at: Date.now(), waits, activity });
      } catch (error) {
        process.stderr.write(`activity sample failed: ${(error as Error).message}\n`);
      }
      this.timer = setTimeout(tick, ACTIVITY_SAMPLE_MS);
    };
    void tick();
  }

  stop() {
    if (this.timer) clearTimeout(this.timer);
  }

  /** Most backends of each service seen waiting on a lock at once. */
  worstLockWaitsSince(from: number): Record<string, number> {
    const worst: Record<string, number> = {};
    for (const sample of this.samples.filter((candidate) => candidate.at >= from)) {
      for (const [app, waits] of Object.entries(sample.waits)) worst[app] = Math.max(worst[app] ?? 0, waits);
    }
    return worst;
  }

  /** Mean number of backends per service and state over the samples since `from`, most first. */
  activitySince(from: number): Record<string, number> {
    const samples = this.samples.filter((candidate) => candidate.at >= from);
    const totals: Record<string, number> = {};
    for (const sample of samples) {
      for (const [key, count] of Object.entries(sample.activity)) totals[key] = (totals[key] ?? 0) + count;
    }
    return Object.fromEntries(
      Object.entries(totals)
        .sort(([, a], [, b]) => b - a)
        .map(([key, total]) => [key, Math.round((total / Math.max(1, samples.length)) * 100) / 100]),
    );
  }
}

// ---- CPU -------------------------------------------------------------------

/** What to measure, in clock ticks: a process by pid, or the whole PostgreSQL cluster by its postmaster. */
type Meters = Record<string, () => number | null>;

function processMeters(pids: Record<string, number>, postmasterPid: number | null, kafkaPid: number | null) {
  const meters: Meters = {};
  for (const [name, pid] of Object.entries({ ...pids, bench: process.pid })) {
    meters[name] = () => processTicks(pid);
  }
  if (postmasterPid) meters.postgresql = () => clusterTicks(postmasterPid);
  if (kafkaPid) meters.kafka = () => processTicks(kafkaPid);
  return meters;
}

function cpuMeter(meters: Meters) {
  const start = Object.fromEntries(Object.entries(meters).map(([name, ticks]) => [name, ticks()]));
  const machine = machineTicks();
  const started = Date.now();
  return () => {
    const seconds = (Date.now() - started) / 1000;
    const perProcess: Record<string, number> = {};
    const cpuMs: Record<string, number> = {};
    for (const [name, ticks] of Object.entries(meters)) {
      const now = ticks();
      const before = start[name];
      if (now !== null && before !== null) {
        perProcess[name] = Math.round(((now - before) / CLOCK_TICKS / seconds) * 1000) / 10;
        cpuMs[name] = ((now - before) / CLOCK_TICKS) * 1000;
      }
    }
    const machineNow = machineTicks();
    const machinePercent =
      Math.round(((machineNow.busy - machine.busy) / Math.max(1, machineNow.total - machine.total)) * 1000) /
      10;
    return { perProcess, cpuMs, machinePercent };
  };
}

// ---- one phase ----------------------------------------------------------------

interface PhaseResult {
  name: string;
  targetRate: number | null;
  sent: number;
  accepted: number;
  errors: Record<string, number>;
  achievedRate: number;
  createTicketMs: { p50: number; p95: number; p99: number; max: number };
  worstLag: Record<string, GroupLag>;
  /** Most backends of each service seen waiting on a lock at once. */
  worstLockWaits: Record<string, number>;
  drainSeconds: number | null;
  cpuPercent: Record<string, number>;
  /** CPU time of each process (PostgreSQL: the whole cluster) during the phase and its drain, per accepted ticket. */
  cpuMsPerTicket: Record<string, number>;
  machineCpuPercent: number;
  /** Mean PostgreSQL backends of each service by state / wait event (pg_stat_activity every 250 ms). */
  databaseActivity: Record<string, number>;
  /** CLOCK_MONOTONIC µs from the phase's start to the end of its drain, for the CPU profiles. */
  window: [number, number];
  /**
   * SQL statements each service sent during the phase and its drain, less what it sends idle
   * (relay poll, timers) over the same time, per accepted ticket.
   */
  statementsPerTicket: Record<string, number>;
}

/** Statements per second each service sends with no traffic; measured once before the steps. */
let idleStatementsPerSecond: Record<string, number> = {};

async function measureIdleStatements(subgraphs: Record<string, string>, seconds: number): Promise<void> {
  const before = await readStatements(subgraphs);
  await sleep(seconds * 1000);
  const after = await readStatements(subgraphs);
  idleStatementsPerSecond = Object.fromEntries(
    Object.keys(after).map((name) => [name, (after[name] - before[name]) / seconds]),
  );
}

/** Reads every subgraph's statement counter; the difference of two reads is what happened between them. */
async function readStatements(subgraphs: Record<string, string>): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.entries(subgraphs).map(async ([name, url]) => {
      const response = await fetch(new URL('/metrics', url));
      const match = /^deskgraph_database_statements_total(?:\{[^}]*\})? (\d+)/m.exec(await response.text());
      return [name, match ? Number(match[1]) : NaN] as const;
    }),
  );
  return Object.fromEntries(entries);
}

async function phase(
  name: string,
  targetRate: number | null,
  sampler: LagSampler,
  activity: ActivitySampler,
  meters: Meters,
  subgraphs: Record<string, string>,
  run: () => Promise<{ answered: Sent[]; sendSeconds: number; lastAnswerSeconds: number }>,
): Promise<PhaseResult> {
  const from = Date.now();
  const windowStart = monotonicMicros();
  const cpu = cpuMeter(meters);
  const statementsBefore = await readStatements(subgraphs);
  const { answered, lastAnswerSeconds } = await run();
  const drainMs = await sampler.drain(drainTimeoutMs);
  const { perProcess, cpuMs, machinePercent } = cpu();
  const windowEnd = monotonicMicros();
  const statementsAfter = await readStatements(subgraphs);
  const accepted = answered.filter((result) => result.ok);
  const errors: Record<string, number> = {};
  for (const result of answered) if (!result.ok) errors[result.error!] = (errors[result.error!] ?? 0) + 1;
  const latency = summarize(accepted.map((result) => result.ms));
  return {
    name,
    targetRate,
    sent: answered.length,
    accepted: accepted.length,
    errors,
    achievedRate: Math.round((accepted.length / lastAnswerSeconds) * 10) / 10,
    createTicketMs: {
      p50: round(latency.p50),
      p95: round(latency.p95),
      p99: round(latency.p99),
      max: round(latency.max),
    },
    worstLag: sampler.worstSince(from),
    worstLockWaits: activity.worstLockWaitsSince(from),
    drainSeconds: drainMs === null ? null : Math.round(drainMs / 100) / 10,
    cpuPercent: perProcess,
    cpuMsPerTicket: Object.fromEntries(
      Object.entries(cpuMs).map(([name, ms]) => [name, round(ms / Math.max(1, accepted.length))]),
    ),
    machineCpuPercent: machinePercent,
    databaseActivity: activity.activitySince(from),
    window: [windowStart, windowEnd],
    statementsPerTicket: Object.fromEntries(
      Object.keys(statementsAfter).map((name) => {
        const idle = (idleStatementsPerSecond[name] ?? 0) * ((Date.now() - from) / 1000);
        const net = statementsAfter[name] - statementsBefore[name] - idle;
        return [name, Math.round((net / Math.max(1, accepted.length)) * 10) / 10];
      }),
    ),
  };
}

function printPhase(result: PhaseResult) {
  const lat = result.createTicketMs;
  out(
    `${result.name.padEnd(10)} sent ${result.sent}, accepted ${result.accepted}` +
      `${Object.keys(result.errors).length ? ` errors ${JSON.stringify(result.errors)}` : ''}, ` +
      `achieved ${result.achievedRate}/s; createTicket p50 ${formatMs(lat.p50)} p95 ${formatMs(lat.p95)} ` +
      `p99 ${formatMs(lat.p99)} max ${formatMs(lat.max)}; drained ${
        result.drainSeconds === null ? 'NOT within the timeout' : `${result.drainSeconds} s`
      } after the last answer`,
  );
  const lag = Object.entries(result.worstLag)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, value]) => `${group} ${value.messages} msgs / ${value.seconds.toFixed(1)} s`)
    .join(', ');
  out(`           worst lag: ${lag || 'none'}`);
  const cpu = Object.entries(result.cpuPercent)
    .map(([process, percent]) => `${process} ${percent}%`)
    .join(', ');
  const waits = Object.entries(result.worstLockWaits)
    .map(([app, count]) => `${app} ${count}`)
    .join(', ');
  out(`           most backends waiting on a lock: ${waits || 'none'}`);
  out(
    `           CPU (% of one core): ${cpu}; machine ${result.machineCpuPercent}% of ${cpus().length} cores`,
  );
  const perTicket = Object.entries(result.cpuMsPerTicket)
    .map(([process, ms]) => `${process} ${ms}`)
    .join(', ');
  out(`           CPU ms per ticket: ${perTicket}`);
  const database = Object.entries(result.databaseActivity)
    .slice(0, 8)
    .map(([what, backends]) => `${what} ${backends}`)
    .join(', ');
  out(`           PostgreSQL backends (mean, by service and state/wait): ${database || 'none'}`);
  const statements = Object.entries(result.statementsPerTicket)
    .map(([service, count]) => `${service} ${count}`)
    .join(', ');
  out(`           SQL statements per ticket (net of idle): ${statements || 'not measured (no --subgraphs)'}`);
}

// ---- exact counts ---------------------------------------------------------------

async function countCreatedEvents(kafka: Kafka, namespace: string, ticketIds: Set<string>) {
  const topic = namespaced(namespace, TOPICS.tickets);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map(
    (await admin.fetchTopicOffsets(topic)).map((partition) => [partition.partition, Number(partition.high)]),
  );
  await admin.disconnect();
  const remaining = new Set([...ends].filter(([, high]) => high > 0).map(([partition]) => partition));
  const seen = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: namespaced(namespace, `intake-bench-count-${runId}`) });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    if (remaining.size === 0) return resolve();
    const timeout = setTimeout(() => reject(new Error('reading the tickets topic took over 120 s')), 120_000);
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const event = JSON.parse(message.value?.toString('utf8') ?? '{}') as {
          type?: string;
          data?: { ticketId?: string };
        };
        const ticketId = event.data?.ticketId;
        if (event.type === 'deskgraph.ticket.created.v1' && ticketId && ticketIds.has(ticketId)) {
          seen.set(ticketId, (seen.get(ticketId) ?? 0) + 1);
        }
        if (Number(message.offset) >= (ends.get(partition) ?? 0) - 1) remaining.delete(partition);
        if (remaining.size === 0) {
          clearTimeout(timeout);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  const total = [...seen.values()].reduce((sum, count) => sum + count, 0);
  return { events: total, distinctTickets: seen.size };
}

async function exactCounts(
  database: PgClient,
  kafka: Kafka,
  namespace: string,
  gatewayUrl: string,
  analystToken: string,
  expected: number,
  since: Date,
) {
  const like = `${titlePrefix.replace(/[%_\\]/g, '\\$&')}%`;
  const { rows: tickets } = await database.query<{ id: string; number: string }>(
    `SELECT id, number FROM tickets.tickets WHERE title LIKE $1`,
    [like],
  );
  const ids = new Set(tickets.map((ticket) => ticket.id));
  const distinctNumbers = new Set(tickets.map((ticket) => ticket.number)).size;
  const created = await countCreatedEvents(kafka, namespace, ids);
  const one = async (sql: string) =>
    Number((await database.query(sql, [[...ids]])).rows[0].count as string | number);
  const slaTickets = await one(`SELECT count(*) FROM sla.tracked_tickets WHERE ticket_id = ANY($1::uuid[])`);
  const slaClocks = await one(`SELECT count(*) FROM sla.clocks WHERE ticket_id = ANY($1::uuid[])`);
  const ticketsWithClocks = await one(
    `SELECT count(DISTINCT ticket_id) FROM sla.clocks WHERE ticket_id = ANY($1::uuid[])`,
  );
  const knowledgeFacts = await one(
    `SELECT count(*) FROM knowledge.ticket_facts WHERE ticket_id = ANY($1::uuid[])`,
  );
  // Analytics through its own subgraph: its tables are its business.
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${analystToken}` },
    body: JSON.stringify({
      query:
        'query($from: DateTime!, $to: DateTime!) { ticketMetrics(period: { from: $from, to: $to }) { volume { total } } }',
      variables: {
        from: new Date(since.getTime() - 60_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
      },
    }),
  });
  const body = (await response.json()) as { data?: { ticketMetrics?: { volume?: { total?: number } } } };
  const analyticsVolume = body.data?.ticketMetrics?.volume?.total ?? null;
  return {
    accepted: expected,
    ticketsInDatabase: tickets.length,
    duplicateNumbers: tickets.length - distinctNumbers,
    createdEvents: created.events,
    duplicateCreatedEvents: created.events - created.distinctTickets,
    slaTrackedTickets: slaTickets,
    slaClocksStarted: slaClocks,
    ticketsWithClocks,
    analyticsVolume,
    knowledgeFacts,
  };
}

// ---- main ---------------------------------------------------------------------

async function main() {
  let report: Record<string, unknown> | null = null;
  let profiled: PhaseResult[] = [];
  const where = await target();
  const sign = (userId: string, roles: ('agent' | 'supervisor' | 'analyst')[]) =>
    signDevelopmentToken({
      secret: where.jwtSecret,
      issuer: 'deskgraph',
      audience: 'deskgraph',
      userId,
      roles,
      queueIds: ['general'],
      expiresIn: '6h',
    });
  const token = await sign('intake-bench', ['agent', 'supervisor']);
  const analystToken = await sign('intake-bench-analyst', ['analyst']);
  const kafka = new Kafka({
    clientId: 'intake-bench',
    brokers: where.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const database = new PgClient({ connectionString: where.databaseUrl });
  await database.connect();
  const sampler = new LagSampler(admin, where.namespace);
  const activityDatabase = new PgClient({ connectionString: where.databaseUrl });
  await activityDatabase.connect();
  const activity = new ActivitySampler(activityDatabase);
  const meters = processMeters(where.pids, ...(await infrastructurePids(database, where.kafkaBrokers)));
  try {
    const since = new Date();
    const send = createSender(where.gatewayUrl, token);
    out(
      `\ndeskgraph intake bench — steps ${steps.join(', ')}/s × ${stepSeconds} s, burst ${burstSize} ` +
        `(${burstConcurrency} in flight); load average ${loadavg()
          .map((value) => value.toFixed(2))
          .join(' ')}, ${cpus().length} cores`,
    );
    // Warm up connections, caches and the month's number sequence.
    await Promise.all(Array.from({ length: 20 }, () => send()));
    await sampler.drain(drainTimeoutMs);
    await measureIdleStatements(where.subgraphs, 10);
    out(
      `idle SQL statements per second: ${Object.entries(idleStatementsPerSecond)
        .map(([name, rate]) => `${name} ${rate.toFixed(1)}`)
        .join(', ')}`,
    );
    sampler.start();
    activity.start();
    const results: PhaseResult[] = [];
    for (const rate of steps) {
      const result = await phase(`${rate}/s`, rate, sampler, activity, meters, where.subgraphs, () =>
        openLoop(send, rate, stepSeconds),
      );
      printPhase(result);
      results.push(result);
    }
    const burstResult =
      burstSize > 0
        ? await phase('burst', null, sampler, activity, meters, where.subgraphs, () =>
            burst(send, burstSize, burstConcurrency),
          )
        : null;
    if (burstResult) printPhase(burstResult);
    sampler.stop();
    activity.stop();
    if (sampler.uncommitted().length > 0) {
      out(
        `groups without committed offsets (lag not measurable from Kafka): ${sampler.uncommitted().join(', ')}`,
      );
    }

    const accepted =
      20 +
      [...results, ...(burstResult ? [burstResult] : [])].reduce((sum, result) => sum + result.accepted, 0);
    // Analytics and knowledge may still be applying the tail: give them until the counts settle.
    let counts = await exactCounts(
      database,
      kafka,
      where.namespace,
      where.gatewayUrl,
      analystToken,
      accepted,
      since,
    );
    for (
      let attempt = 0;
      attempt < 30 && counts.analyticsVolume !== null && counts.analyticsVolume < accepted;
      attempt++
    ) {
      await sleep(2_000);
      counts = await exactCounts(
        database,
        kafka,
        where.namespace,
        where.gatewayUrl,
        analystToken,
        accepted,
        since,
      );
    }
    const fresh = where.stack !== null;
    const duplicates =
      counts.duplicateNumbers +
      counts.duplicateCreatedEvents +
      Math.max(0, counts.ticketsInDatabase - accepted) +
      (fresh && counts.analyticsVolume !== null ? Math.max(0, counts.analyticsVolume - accepted) : 0);
    const agree =
      counts.ticketsInDatabase === accepted &&
      counts.createdEvents === accepted &&
      counts.slaTrackedTickets === accepted &&
      counts.ticketsWithClocks === accepted &&
      counts.knowledgeFacts === accepted &&
      (!fresh || counts.analyticsVolume === accepted);
    out(
      `counts: accepted ${accepted}, tickets in DB ${counts.ticketsInDatabase}, ticket.created events ${counts.createdEvents}, ` +
        `SLA tickets ${counts.slaTrackedTickets} (clocks ${counts.slaClocksStarted}), analytics volume ${counts.analyticsVolume}` +
        `${fresh ? '' : ' (whole desk)'}, knowledge facts ${counts.knowledgeFacts}; duplicates ${duplicates}; ${
          agree ? 'all agree' : 'MISMATCH'
        }`,
    );
    // The highest step whose every group stayed under 1 s of lag, with nothing refused and the rate reached.
    const sustained = results
      .filter(
        (result) =>
          Object.keys(result.errors).length === 0 &&
          result.achievedRate >= 0.95 * result.targetRate! &&
          Object.values(result.worstLag).every((lag) => lag.seconds < 1),
      )
      .reduce((best, result) => Math.max(best, result.targetRate!), 0);
    report = {
      bench: 'intake',
      sustainedRate: sustained,
      stepSeconds,
      steps: results,
      burst: burstResult,
      counts,
      duplicates,
      countsAgree: agree,
      uncommittedGroups: sampler.uncommitted(),
      idleStatementsPerSecond,
      loadAverage: loadavg(),
      cores: cpus().length,
    };
    profiled = [...results, ...(burstResult ? [burstResult] : [])].filter(
      (result, _, all) => result.name !== 'burst' || all.length === 1,
    );
  } finally {
    sampler.stop();
    activity.stop();
    await activityDatabase.end();
    await database.end();
    await admin.disconnect();
    await where.stack?.stop();
  }
  // The profiles are written as the stack's processes exit, so they are read after it stopped.
  if (profileDirectory && report) report.cpuProfile = printProfiles(profileDirectory, where.pids, profiled);
  out(JSON.stringify(report));
}

/**
 * Per process: CPU ms per ticket (from /proc) and how it splits over the top self-time modules and
 * functions of the profile. On a busy machine V8 samples a process also while it waits for a
 * core, so the profile gives shares, and /proc the CPU time they are shares of.
 */
function printProfiles(directory: string, pids: Record<string, number>, phases: PhaseResult[]) {
  const windows = phases.map((result) => result.window);
  const tickets = phases.reduce((sum, result) => sum + result.accepted, 0);
  const files = profilesByPid(directory);
  const summary: Record<string, { msPerTicket: number; modules: unknown; functions: unknown }> = {};
  out(
    `\nCPU profiles (${directory}) over ${phases.map((result) => result.name).join(', ')}: ${tickets} tickets`,
  );
  for (const [name, pid] of Object.entries(pids)) {
    const file = files.get(pid);
    if (!file) {
      out(`${name}: no profile written (did it exit gracefully?)`);
      continue;
    }
    const profile = summarizeProfile(file, windows);
    const cpuMs = phases.reduce(
      (sum, result) => sum + (result.cpuMsPerTicket[name] ?? 0) * result.accepted,
      0,
    );
    const msPerTicket = round(cpuMs / Math.max(1, tickets));
    const share = (ms: number) => Math.round((ms / Math.max(1, profile.busyMs)) * msPerTicket * 100) / 100;
    out(
      `${name}: ${msPerTicket} CPU ms per ticket${profile.windowed ? '' : ' (profile of the whole run: no window matched)'}`,
    );
    out(`  modules: ${profile.modules.map((entry) => `${entry.name} ${share(entry.ms)}`).join(', ')}`);
    for (const entry of profile.functions)
      out(`  ${share(entry.ms).toFixed(2).padStart(6)} ms  ${entry.name}`);
    summary[name] = {
      msPerTicket,
      modules: profile.modules.map((entry) => ({ name: entry.name, msPerTicket: share(entry.ms) })),
      functions: profile.functions.map((entry) => ({ name: entry.name, msPerTicket: share(entry.ms) })),
    };
  }
  return summary;
}

/** The PostgreSQL postmaster (parent of our backend) and the Kafka broker (listener of its port), if visible. */
async function infrastructurePids(database: PgClient, kafkaBrokers: string) {
  const { rows } = await database.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const postmaster = parentPid(rows[0].pid);
  const port = Number(kafkaBrokers.split(',')[0].split(':').pop());
  return [postmaster, listeningPid(port)] as const;
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
