import type { DataSource } from 'typeorm';
import { SearchMissRecorder } from '../search-misses';

// The batching of recorded misses (pure logic; the write itself runs against
// real PostgreSQL in search.integration-spec.ts).

function fakeDatabase(failures = 0) {
  const writes: { queries: string[]; counts: number[] }[] = [];
  let failing = failures;
  const dataSource = {
    query: async (_sql: string, parameters: unknown[]) => {
      if (failing > 0) {
        failing--;
        throw new Error('connection refused');
      }
      writes.push({ queries: parameters[0] as string[], counts: parameters[1] as number[] });
      return [];
    },
  } as unknown as DataSource;
  return { dataSource, writes };
}

describe('SearchMissRecorder', () => {
  it('should write the misses noted since the last flush in one statement, counted per query and in query order', async () => {
    const { dataSource, writes } = fakeDatabase();
    const recorder = new SearchMissRecorder(dataSource, { flushIntervalMs: 60_000, maxPending: 100 });
    for (const query of ['xylophone', '量子纠缠', 'xylophone', 'abc', '']) recorder.record(query);
    expect(writes).toEqual([]);
    await recorder.flush();
    await recorder.flush();
    expect(writes).toEqual([{ queries: ['abc', 'xylophone', '量子纠缠'], counts: [1, 2, 1] }]);
  });

  it('should keep the misses of a failed write and add them to the next one when the database was unavailable', async () => {
    const { dataSource, writes } = fakeDatabase(1);
    const recorder = new SearchMissRecorder(dataSource, { flushIntervalMs: 60_000, maxPending: 100 });
    recorder.record('xylophone');
    await expect(recorder.flush()).rejects.toThrow('connection refused');
    recorder.record('xylophone');
    recorder.record('abc');
    await recorder.flush();
    expect(writes).toEqual([{ queries: ['abc', 'xylophone'], counts: [1, 2] }]);
  });

  it('should hold at most maxPending distinct queries when the database cannot be written', async () => {
    const { dataSource, writes } = fakeDatabase();
    const recorder = new SearchMissRecorder(dataSource, { flushIntervalMs: 60_000, maxPending: 2 });
    for (const query of ['a', 'b', 'c', 'a']) recorder.record(query);
    await recorder.stop();
    expect(writes).toEqual([{ queries: ['a', 'b'], counts: [2, 1] }]);
  });
});
