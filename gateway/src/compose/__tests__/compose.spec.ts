import { composeSupergraph, readCommittedSupergraph } from '../compose';

describe('supergraph composition', () => {
  it('should compose the subgraph SDL files without errors or hints', () => {
    const { hints } = composeSupergraph();

    expect(hints).toEqual([]);
  });

  it('should match the committed supergraph.graphql when the SDL has not changed since `npm run compose`', () => {
    const { supergraphSdl } = composeSupergraph();

    expect(readCommittedSupergraph()).toBe(supergraphSdl);
  });
});
