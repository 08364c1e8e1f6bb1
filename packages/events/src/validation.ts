import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { EVENT_CATALOG, type DeskgraphEvent } from './catalog';
import { CloudEventEnvelopeSchema } from './envelope';

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);

const validateEnvelope = ajv.compile(CloudEventEnvelopeSchema);
const dataValidators = new Map<string, ValidateFunction>(
  EVENT_CATALOG.map((definition) => [definition.type, ajv.compile(definition.data)]),
);

export class EventValidationError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(`${message}: ${problems.join('; ')}`);
    this.name = 'EventValidationError';
  }
}

function describeErrors(validate: ValidateFunction, prefix: string): string[] {
  return (validate.errors ?? []).map(
    (error) => `${prefix}${error.instancePath || '/'} ${error.message ?? 'is invalid'}`,
  );
}

/**
 * Checks an envelope and its data against the catalog. Used on produce (so a
 * bad event never reaches the outbox) and on consume (so a bad one goes to
 * the dead-letter topic instead of into a projection).
 */
export function validateEvent(candidate: unknown): DeskgraphEvent {
  if (!validateEnvelope(candidate)) {
    throw new EventValidationError(
      'Invalid CloudEvents envelope',
      describeErrors(validateEnvelope, 'envelope'),
    );
  }
  const envelope = candidate as { type: string; data: unknown };
  const validateData = dataValidators.get(envelope.type);
  if (!validateData) {
    throw new EventValidationError('Unknown event type', [
      `${envelope.type} is not in the deskgraph event catalog`,
    ]);
  }
  if (!validateData(envelope.data)) {
    throw new EventValidationError(`Invalid data for ${envelope.type}`, describeErrors(validateData, 'data'));
  }
  return candidate as DeskgraphEvent;
}

export function isKnownEventType(type: string): boolean {
  return dataValidators.has(type);
}
