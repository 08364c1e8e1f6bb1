export * from './envelope';
export * from './topics';
export * from './catalog';
export * from './validation';
export * from './schemas/common';
export * from './schemas/ticket-events';
export * from './schemas/sla-events';
export * from './schemas/analytics-events';
