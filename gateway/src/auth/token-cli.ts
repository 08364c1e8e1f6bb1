import { parseArgs } from 'node:util';
import { parseEnvironmentOrExit, ROLES, type Role } from '@deskgraph/platform';
import { authModel } from '../environment';
import { signDevelopmentToken } from './jwt';

// `npm run token -- --role supervisor --queues general,vip`: prints a
// development token signed with JWT_SECRET (or the development default).
const USAGE =
  'Usage: npm run token -- [--role ROLE[,ROLE]] [--queues Q1,Q2] [--user ID] [--customer ID] [--expires 8h]\n' +
  "Defaults: --role agent, --queues general, --user dev-user (the token's sub), --expires 8h.\n" +
  `Roles: ${ROLES.join(', ')}; a customer token needs --customer.\n`;

function refuse(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(1);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      role: { type: 'string', multiple: true, default: ['agent'] },
      queues: { type: 'string', default: 'general' },
      user: { type: 'string', default: 'dev-user' },
      customer: { type: 'string' },
      expires: { type: 'string', default: '8h' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (error) {
  // parseArgs throws on an unknown option or a missing value: a usage line, not a stack trace.
  refuse((error as Error).message);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const roles = (values.role ?? []).flatMap((role) => role.split(','));
const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
if (unknown.length > 0) refuse(`Unknown role(s): ${unknown.join(', ')}.`);
// Without a customer id the gateway accepts the token but every customer operation refuses it.
if (roles.includes('customer') && !values.customer)
  refuse('A customer token needs --customer <customer id>.');
const { auth } = parseEnvironmentOrExit({ auth: authModel });
if (!auth.secret) {
  process.stderr.write(
    'JWT_JWKS_URL is set: tokens come from your identity provider, not from this command.\n',
  );
  process.exit(1);
}
signDevelopmentToken({
  secret: auth.secret,
  issuer: auth.issuer,
  audience: auth.audience,
  userId: values.user!,
  roles: roles as Role[],
  queueIds: values.queues!.split(',').filter(Boolean),
  customerId: values.customer ?? null,
  expiresIn: values.expires!,
}).then(
  (token) => process.stdout.write(`${token}\n`),
  // jose refuses an --expires it cannot read (e.g. "banana"): say so, not a stack trace.
  (error: Error) => refuse(`Cannot sign the token: ${error.message}; --expires takes e.g. 30m, 8h or 2d.`),
);
