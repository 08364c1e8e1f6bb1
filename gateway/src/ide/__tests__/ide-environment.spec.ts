import { ideModel } from '../../environment';

describe('GRAPHIQL setting', () => {
  it('should turn the IDE on when NODE_ENV is development or test and GRAPHIQL is unset', () => {
    expect(ideModel.parse({}).graphiql).toBe(true);
    expect(ideModel.parse({ NODE_ENV: 'test' }).graphiql).toBe(true);
  });

  it('should turn the IDE off when NODE_ENV is production and GRAPHIQL is unset', () => {
    expect(ideModel.parse({ NODE_ENV: 'production' }).graphiql).toBe(false);
  });

  it('should follow GRAPHIQL when it is set', () => {
    expect(ideModel.parse({ NODE_ENV: 'production', GRAPHIQL: 'true' }).graphiql).toBe(true);
    expect(ideModel.parse({ NODE_ENV: 'development', GRAPHIQL: 'false' }).graphiql).toBe(false);
  });

  it('should refuse GRAPHIQL when it is neither true nor false', () => {
    expect(ideModel.safeParse({ GRAPHIQL: 'yes' }).success).toBe(false);
  });
});
