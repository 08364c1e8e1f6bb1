import {
  databaseModel,
  gatewayTrustModel,
  httpModel,
  kafkaModel,
  parseEnvironmentOrExit,
  retentionModel,
  runtimeModel,
} from '@deskgraph/platform';

export function loadEnvironment() {
  return parseEnvironmentOrExit({
    runtime: runtimeModel,
    database: databaseModel,
    kafka: kafkaModel,
    http: httpModel(4002),
    trust: gatewayTrustModel,
    retention: retentionModel,
  });
}
