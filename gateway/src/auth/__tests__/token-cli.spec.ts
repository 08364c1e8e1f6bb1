import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The built CLI (`npm run token` brings gateway/dist up to date first, `npm test` builds everything).
const CLI = join(__dirname, '..', '..', '..', 'dist', 'src', 'auth', 'token-cli.js');

function token(...args: string[]) {
  const { status, stdout, stderr } = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status, stdout, stderr };
}

describe('npm run token', () => {
  it('prints only the token on stdout, so TOKEN=$(npm run --silent token …) works', () => {
    const result = token('--role', 'supervisor', '--queues', 'general');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });

  it('refuses a customer token without a customer id', () => {
    const result = token('--role', 'customer');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('A customer token needs --customer <customer id>.');
  });

  it('prints the usage with its defaults on --help and exits 0', () => {
    const result = token('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run token --.*\n$/s);
    expect(result.stdout).toContain('--role agent, --queues general, --user dev-user');
  });

  it('signs for dev-user in the general queue when no --user or --queues is given', () => {
    const result = token('--role', 'agent');
    const claims = JSON.parse(Buffer.from(result.stdout.trim().split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'dev-user', queues: ['general'], roles: ['agent'] });
  });

  it('answers an unknown option with the usage, not a stack trace', () => {
    const result = token('--bogus');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Usage: npm run token --');
    expect(result.stderr).not.toContain('    at ');
  });

  it('answers an unreadable --expires with the usage, not a stack trace', () => {
    const result = token('--expires', 'banana');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--expires takes e.g. 30m, 8h or 2d');
    expect(result.stderr).not.toContain('    at ');
  });

  it('mints a customer token with its customer id', () => {
    const result = token('--role', 'customer', '--customer', 'C-1001');
    expect(result.status).toBe(0);
    const claims = JSON.parse(Buffer.from(result.stdout.trim().split('.')[1], 'base64url').toString());
    expect(claims.customerId).toBe('C-1001');
  });
});
