import { buildSchema } from 'graphql';
import { composeSupergraph } from '../compose';
import { describeSchemaCoverage } from '../schema-descriptions';

// Frontend teams generate their clients and documentation from the schema's
// descriptions, so every public element of the composed graph carries one.

describe('schema descriptions', () => {
  it('should describe every type, field, argument, enum value and input field of the composed API schema', () => {
    const { apiSchema } = composeSupergraph();

    // The failure lists every undescribed element by its schema coordinate.
    expect(describeSchemaCoverage(apiSchema).missing).toEqual([]);
  });

  it('should name each kind of undescribed element when the SDL lacks descriptions', () => {
    const schema = buildSchema(`
      "A thing."
      type Query {
        "Described."
        thing("Described." id: ID!, first: Int): Thing
        other: String
      }
      type Thing { id: ID! }
      enum Colour { "Described." RED GREEN }
      "Described."
      input ThingInput { "Described." id: ID! name: String }
      "Described."
      type Mutation { "Described." add("Described." input: ThingInput, colour: Colour): Thing }
    `);

    const { missing, counts } = describeSchemaCoverage(schema);

    expect(missing).toEqual([
      'Colour',
      'Colour.GREEN',
      'Mutation.add(colour:)',
      'Query.thing(first:)',
      'Query.other',
      'Thing',
      'Thing.id',
      'ThingInput.name',
    ]);
    expect(counts).toEqual({
      types: { described: 3, total: 5 },
      fields: { described: 2, total: 4 },
      arguments: { described: 2, total: 4 },
      enumValues: { described: 1, total: 2 },
      inputFields: { described: 1, total: 2 },
    });
  });
});
