// One jest project per workspace.
const path = require('node:path');

const workspaces = [
  'packages/events',
  'packages/platform',
  'services/tickets',
  'services/sla',
  'services/knowledge',
  'services/analytics',
  'services/channels',
  'gateway',
  'infra',
];

// ts-jest transpiles each file on its own (isolatedModules): fast, and keeps
// TypeORM's decorator metadata; type checking is `npm run build`'s job.
const transform = [
  'ts-jest',
  {
    diagnostics: false,
    tsconfig: {
      target: 'ES2022',
      module: 'commonjs',
      moduleResolution: 'node',
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      isolatedModules: true,
      resolveJsonModule: true,
    },
  },
];

/** @type {import('jest').Config} */
module.exports = {
  projects: workspaces.map((workspace) => ({
    displayName: path.basename(workspace),
    rootDir: path.join(__dirname, workspace),
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/__tests__/**/*.spec.ts', '<rootDir>/test/**/*.integration-spec.ts'],
    transform: { '^.+\\.ts$': transform },
    moduleNameMapper: {
      '^@deskgraph/(events|platform)$': path.join(__dirname, 'packages/$1/src/index.ts'),
      '^@deskgraph/infra$': path.join(__dirname, 'infra/src/index.ts'),
      '^@deskgraph/gateway$': path.join(__dirname, 'gateway/src/index.ts'),
    },
    setupFiles: ['reflect-metadata'],
  })),
  testTimeout: 60_000,
  testSequencer: '<rootDir>/jest-sequencer.js',
  reporters: ['default', '<rootDir>/jest-summary-reporter.js'],
};
