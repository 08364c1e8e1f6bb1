import { join } from 'node:path';
import { findPackageRoot, type ServiceContext, type ServiceDefinition } from '@deskgraph/platform';
import { ClockEngine } from './clock/clock-engine';
import { slaResolvers } from './clock/sla.resolvers';
import { SlaService } from './clock/sla.service';
import { createSlaDataSource } from './database/data-source';
import { ticketEventsConsumer } from './events/consumers/ticket-events.consumer';
import { PolicyStore } from './policy/policy-store';
import { mapSlaError } from './sla.errors';
import { createSlaMetrics } from './sla.metrics';
import { createTimerScheduler, type TimerScheduler } from './timer/timer-scheduler';

export interface SlaServices {
  sla: SlaService;
  policies: PolicyStore;
  engine: ClockEngine;
  scheduler: TimerScheduler;
}

export type SlaContext = ServiceContext<SlaServices>;

export function slaService(): ServiceDefinition<SlaServices> {
  return {
    name: 'sla',
    schemaDirectory: join(findPackageRoot(__dirname), 'schema'),
    createDataSource: createSlaDataSource,
    createServices: ({ dataSource, outbox, logger, metrics }) => {
      const policies = new PolicyStore(dataSource);
      const engine = new ClockEngine(policies, outbox);
      const slaMetrics = createSlaMetrics(metrics, dataSource);
      const scheduler = createTimerScheduler(
        dataSource,
        engine,
        outbox,
        logger.child({ component: 'timers' }),
        (kind, lateMs) => slaMetrics.timerLateness.observe({ kind }, lateMs / 1000),
      );
      return { sla: new SlaService(dataSource, engine), policies, engine, scheduler };
    },
    resolvers: slaResolvers,
    mapDomainError: mapSlaError,
    consumers: (_dependencies, services) => [ticketEventsConsumer(services.engine, services.scheduler.nudge)],
    workers: (_dependencies, services) => [services.scheduler],
    // A fired timer is history once its event is out; its clock keeps what was measured.
    retention: [{ table: 'timers', column: 'fired_at' }],
  };
}
