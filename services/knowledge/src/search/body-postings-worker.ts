import type { BackgroundWorker, Logger } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import {
  BODY_POSTINGS_DEFAULTS,
  fillBodyPostingsUnlessLoading,
  type BodyPostingsOptions,
} from './article-terms';

/**
 * Keeps the body postings of common terms filled (see fillBodyPostings): the
 * triggers drop an article's postings when it changes and add only its head
 * terms, so edits, archives and new articles would thin the lists out. A few
 * lists per round, off the request path, in a transaction; only the lists of
 * terms whose articles changed since the last round are counted (the triggers
 * note them), so a round after no change reads no postings. Replicas may both
 * run it: one round at a time holds the postings rewrite lock, the other's is
 * skipped, as is a round while a bulk load rewrites the postings.
 */
export function bodyPostingsWorker(
  dataSource: DataSource,
  logger: Logger,
  options: { intervalMs: number; termsPerRound: number } = { intervalMs: 60_000, termsPerRound: 50 },
  postings: Omit<BodyPostingsOptions, 'maxTerms'> = BODY_POSTINGS_DEFAULTS,
): BackgroundWorker {
  let timer: NodeJS.Timeout | null = null;
  let round: Promise<void> = Promise.resolve();
  const run = () => {
    round = round
      .then(() => fillBodyPostingsUnlessLoading(dataSource, { ...postings, maxTerms: options.termsPerRound }))
      .then((fill) => {
        if (fill === null)
          logger.info(
            'body postings not filled: a bulk load or another replica holds the postings lock; next round',
          );
        else if (fill.added > 0) logger.info(fill, 'body postings of common terms filled');
        else if (fill.examined > 0) logger.debug(fill, 'body postings of changed terms checked');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'body postings not filled; retrying later'));
  };
  return {
    name: 'body-postings',
    async start() {
      timer = setInterval(run, options.intervalMs);
      timer.unref();
      run();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await round;
    },
  };
}
