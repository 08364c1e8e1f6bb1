import { createServiceDataSource, type DatabaseConfig } from '@deskgraph/platform';
import { SlaClockEntity, SlaTimerEntity, TrackedTicketEntity } from '../clock/sla-clock.entity';
import { InitialSla1763856000000 } from './migrations/1763856000000-initial-sla';
import { SlaEngine1763860000000 } from './migrations/1763860000000-sla-engine';
import { ComplaintAnswerPolicy1764000000000 } from './migrations/1764000000000-complaint-answer-policy';
import { ProcessedEventsRetention1765100000001 } from './migrations/1765100000001-processed-events-retention';
import { FiredTimersRetention1765100000002 } from './migrations/1765100000002-fired-timers-retention';
import { RemaskStoredText1765150000000 } from './migrations/1765150000000-remask-stored-text';
import { SeededHistoryHold1765250000000 } from './migrations/1765250000000-seeded-history-hold';
import { OutboxWakeInProcess1765300000000 } from './migrations/1765300000000-outbox-wake-in-process';

export const SLA_SCHEMA = 'sla';

export function createSlaDataSource(database: DatabaseConfig) {
  return createServiceDataSource({
    database,
    schema: SLA_SCHEMA,
    applicationName: 'deskgraph-sla',
    entities: [SlaClockEntity, TrackedTicketEntity, SlaTimerEntity],
    migrations: [
      InitialSla1763856000000,
      SlaEngine1763860000000,
      ComplaintAnswerPolicy1764000000000,
      ProcessedEventsRetention1765100000001,
      FiredTimersRetention1765100000002,
      RemaskStoredText1765150000000,
      SeededHistoryHold1765250000000,
      OutboxWakeInProcess1765300000000,
    ],
  });
}
