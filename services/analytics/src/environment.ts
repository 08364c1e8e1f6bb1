import {
  databaseModel,
  gatewayTrustModel,
  httpModel,
  kafkaModel,
  parseEnvironmentOrExit,
  runtimeModel,
} from '@deskgraph/platform';

export function loadEnvironment() {
  return parseEnvironmentOrExit({
    runtime: runtimeModel,
    database: databaseModel,
    kafka: kafkaModel,
    http: httpModel(4004),
    trust: gatewayTrustModel,
  });
}
