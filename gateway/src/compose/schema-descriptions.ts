import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from 'graphql';

export interface DescriptionCount {
  described: number;
  total: number;
}

export interface DescriptionReport {
  /** Schema coordinates of every public element without a description, e.g. `Query.ticket(id:)`. */
  missing: string[];
  counts: Record<'types' | 'fields' | 'arguments' | 'enumValues' | 'inputFields', DescriptionCount>;
}

/**
 * Every type, field, argument, enum value and input field a client of this
 * schema sees, checked for a non-blank description. Pass the API schema: the
 * federation machinery (`_service`, `_entities`, join/link directives) is not
 * part of it, and GraphQL's own scalars and introspection types are skipped.
 */
export function describeSchemaCoverage(schema: GraphQLSchema): DescriptionReport {
  const counts: DescriptionReport['counts'] = {
    types: { described: 0, total: 0 },
    fields: { described: 0, total: 0 },
    arguments: { described: 0, total: 0 },
    enumValues: { described: 0, total: 0 },
    inputFields: { described: 0, total: 0 },
  };
  const missing: string[] = [];
  const check = (kind: keyof DescriptionReport['counts'], description: unknown, coordinate: string) => {
    counts[kind].total += 1;
    if (typeof description === 'string' && description.trim() !== '') counts[kind].described += 1;
    else missing.push(coordinate);
  };
  const types = Object.values(schema.getTypeMap()).sort((a, b) => a.name.localeCompare(b.name));
  for (const type of types) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    check('types', type.description, type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        check('fields', field.description, `${type.name}.${field.name}`);
        for (const argument of field.args) {
          check('arguments', argument.description, `${type.name}.${field.name}(${argument.name}:)`);
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        check('inputFields', field.description, `${type.name}.${field.name}`);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues())
        check('enumValues', value.description, `${type.name}.${value.name}`);
    }
  }
  return { missing, counts };
}
