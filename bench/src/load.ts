import { summarize } from './stats';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

/**
 * Closed-loop load: `concurrency` workers each send the next request as soon
 * as the previous one answered, for `seconds`. Answers with GraphQL errors
 * count as errors (and their latency is still recorded).
 */
export async function runLoad(
  send: () => Promise<{ ok: boolean }>,
  { concurrency, seconds }: { concurrency: number; seconds: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const sent = performance.now();
        const { ok } = await send().catch(() => ({ ok: false }));
        latencies.push(performance.now() - sent);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const s = summarize(latencies);
  return {
    requests: latencies.length,
    errors,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    p50: s.p50,
    p95: s.p95,
    p99: s.p99,
  };
}

export function formatLoad(label: string, result: LoadResult): string {
  return `${label.padEnd(44)} ${result.perSecond.toFixed(0).padStart(6)} req/s  p50=${result.p50.toFixed(1)} ms  p95=${result.p95.toFixed(1)} ms  p99=${result.p99.toFixed(1)} ms  (${result.requests} requests, ${result.errors} errors)`;
}

/** POSTs a GraphQL operation; ok when the answer has data and no errors. */
export async function postGraphQL(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ ok: boolean }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const json = (await response.json()) as { data?: unknown; errors?: unknown[] };
  return { ok: response.ok && !json.errors && json.data != null };
}
