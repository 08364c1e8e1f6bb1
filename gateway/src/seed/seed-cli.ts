import { parseArgs } from 'node:util';
import { parseEnvironmentOrExit } from '@deskgraph/platform';
import { authModel, seedModel } from '../environment';
import { seedDesk } from './seed-desk';

// `npm run seed [-- --tickets 300 --seed 2026 --url http://localhost:4000/graphql]`:
// fills a running desk with the demo history through its gateway, then prints
// tokens to try it with. Run it again and it changes nothing.
const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    tickets: { type: 'string', default: '300' },
    seed: { type: 'string', default: '2026' },
  },
});
const tickets = Number(values.tickets);
const seed = Number(values.seed);
if (!Number.isInteger(tickets) || tickets < 0 || tickets > 5000) {
  process.stderr.write(`--tickets must be a whole number from 0 to 5000; got "${values.tickets}".\n`);
  process.exit(1);
}
if (!Number.isInteger(seed) || seed < 0) {
  process.stderr.write(`--seed must be a whole number of 0 or more; got "${values.seed}".\n`);
  process.exit(1);
}
const { auth, seed: seedConfig } = parseEnvironmentOrExit({ auth: authModel, seed: seedModel });
if (!auth.secret) {
  process.stderr.write(
    'JWT_JWKS_URL is set: the seed signs its own development tokens and cannot run here.\n',
  );
  process.exit(1);
}
const url = values.url ?? seedConfig.url;
const log = (line: string) => process.stdout.write(`seed: ${line}\n`);

async function main(): Promise<void> {
  const health = await fetch(new URL('/health/ready', url)).catch(() => null);
  if (!health?.ok) {
    throw new Error(`No ready gateway at ${url}: start the desk first (npm start), or pass --url.`);
  }
  const started = Date.now();
  const report = await seedDesk({
    url,
    auth: { secret: auth.secret!, issuer: auth.issuer, audience: auth.audience },
    tickets,
    seed,
    log,
  });
  const { created } = report;
  log(
    `done in ${Math.round((Date.now() - started) / 1000)} s: ${created.tickets} tickets created ` +
      `(${report.existing.tickets} already there), ${created.articles} articles published, ` +
      `${created.configuration} settings changed, ${created.handovers} handovers`,
  );
  process.stdout.write(
    [
      '',
      `GraphiQL: ${url}  (Headers tab: {"Authorization": "Bearer <token>"})`,
      '',
      'agent      agent-lin-xiaoyu, queue presales (售前):',
      report.tokens.agent,
      'supervisor sup-zhou-mingyuan, queues presales, aftersales, tech-support, complaints, general:',
      report.tokens.supervisor,
      `customer   ${report.customer.id} (${report.customer.name}):`,
      report.tokens.customer,
      '',
      'Tokens expire in 8 hours; `npm run token` mints more.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
