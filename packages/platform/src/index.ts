import 'reflect-metadata';

export * from './config/environment';
export * from './config/models';
export * from './logging/logger';
export * from './errors/domain-error';
export * from './auth/identity';
export * from './database/data-source';
export * from './database/platform-tables';
export * from './kafka/kafka';
export * from './outbox/outbox';
export * from './outbox/outbox-relay';
export * from './consumer/event-consumer';
export * from './server/metrics';
export * from './server/sdl';
export * from './server/subgraph-server';
export * from './runtime/service-runtime';
export * from './runtime/service-main';
export * from './server/scalars';
