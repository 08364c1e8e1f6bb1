import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalKafka, type LocalKafka } from '../kafka/local-kafka';
import {
  ensureDatabaseReachable,
  ensureDatabase,
  startEmbeddedPostgres,
  type RunningPostgres,
} from '../postgres/embedded-postgres';
import type { LauncherConfig } from '../environment';
import { waitForKafkaReady } from './kafka-check';
import { freePort, InfrastructureError, isPortFree } from './process-utils';

export interface InfrastructureOptions {
  config: LauncherConfig;
  /** Folder for data and logs of what gets started here. */
  workDir: string;
  /** Keep data between runs (npm start) or throw it away (tests). */
  persistent: boolean;
  /** Pick free ports instead of the configured ones (tests). */
  anyFreePort: boolean;
  database: string;
  log: (message: string) => void;
}

export interface Infrastructure {
  databaseUrl: string;
  kafkaBrokers: string;
  startedPostgres: boolean;
  startedKafka: boolean;
  stop(): Promise<void>;
}

/**
 * Uses DATABASE_URL / KAFKA_BROKERS when given; otherwise starts an embedded
 * PostgreSQL and a local KRaft Kafka, and stops them again on `stop()`.
 */
export async function startInfrastructure(options: InfrastructureOptions): Promise<Infrastructure> {
  const { config, log } = options;
  mkdirSync(options.workDir, { recursive: true });
  let postgres: RunningPostgres | null = null;
  let kafka: LocalKafka | null = null;
  const stop = async () => {
    if (kafka) {
      log('stopping local Kafka');
      await kafka.stop();
    }
    if (postgres) {
      log('stopping embedded PostgreSQL');
      await postgres.stop();
    }
    if (!options.persistent) rmSync(options.workDir, { recursive: true, force: true });
  };

  try {
    let databaseUrl: string;
    if (config.databaseUrl) {
      await ensureDatabaseReachable(config.databaseUrl);
      databaseUrl = config.databaseUrl;
    } else {
      const port = options.anyFreePort ? await freePort() : config.embeddedPostgresPort;
      if (!(await isPortFree(port))) {
        throw new InfrastructureError(
          `Port ${port} is busy, so the embedded PostgreSQL cannot start. Set EMBEDDED_POSTGRES_PORT, or DATABASE_URL to use that server.`,
        );
      }
      log(`starting embedded PostgreSQL on 127.0.0.1:${port}`);
      postgres = await startEmbeddedPostgres({
        dataDir: join(options.workDir, 'postgres'),
        port,
        persistent: options.persistent,
      });
      databaseUrl = await ensureDatabase(postgres.serverUrl, options.database);
    }

    let kafkaBrokers: string;
    if (config.kafkaBrokers) {
      await waitForKafkaReady(config.kafkaBrokers, { log });
      kafkaBrokers = config.kafkaBrokers;
    } else {
      const port = options.anyFreePort ? await freePort() : config.localKafkaPort;
      const controllerPort = options.anyFreePort ? await freePort() : port + 1;
      for (const candidate of [port, controllerPort]) {
        if (!(await isPortFree(candidate))) {
          throw new InfrastructureError(
            `Port ${candidate} is busy, so the local Kafka cannot start. Set LOCAL_KAFKA_PORT, or KAFKA_BROKERS to use a running Kafka.`,
          );
        }
      }
      log(`starting local Kafka (KRaft) on 127.0.0.1:${port}`);
      kafka = await startLocalKafka({
        dataDir: join(options.workDir, 'kafka'),
        cacheDir: config.kafkaCacheDir,
        port,
        controllerPort,
        javaHome: config.javaHome,
        logFile: join(options.workDir, 'kafka.log'),
      });
      kafkaBrokers = kafka.brokers.join(',');
      // Accepting connections is not yet ready: wait for metadata and a group coordinator too.
      await waitForKafkaReady(kafkaBrokers, { log });
    }
    return { databaseUrl, kafkaBrokers, startedPostgres: !!postgres, startedKafka: !!kafka, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
