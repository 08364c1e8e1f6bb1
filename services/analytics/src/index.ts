// What other workspaces (the analytics bench) build on: the appliers' own code path and the data source.
export { createAnalyticsDataSource } from './database/data-source';
export { activeGeneration } from './events/consumers/projection.consumer';
export { applyEvents } from './projection/projection.applier';
export { generationSchema } from './projection/projection-tables';
export { aggregateTables } from './projection/aggregate-grains';
