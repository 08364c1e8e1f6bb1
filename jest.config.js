// One jest project per workspace; TypeScript is transpiled by swc (type
// checking is `npm run build`'s job) so the suite stays fast.
const path = require('node:path');

const workspaces = [
  'packages/events',
  'packages/platform',
  'services/tickets',
  'services/sla',
  'services/knowledge',
  'services/analytics',
  'gateway',
  'infra',
];

const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
  },
];

/** @type {import('jest').Config} */
module.exports = {
  projects: workspaces.map((workspace) => ({
    displayName: path.basename(workspace),
    rootDir: path.join(__dirname, workspace),
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/__tests__/**/*.spec.ts', '<rootDir>/test/**/*.integration-spec.ts'],
    transform: { '^.+\\.ts$': swc },
    moduleNameMapper: {
      '^@deskgraph/(events|platform)$': path.join(__dirname, 'packages/$1/src/index.ts'),
      '^@deskgraph/infra$': path.join(__dirname, 'infra/src/index.ts'),
      '^@deskgraph/gateway$': path.join(__dirname, 'gateway/src/index.ts'),
    },
    setupFiles: ['reflect-metadata'],
  })),
  testTimeout: 60_000,
};
