import { forEachBounded } from '../bounded';

describe('forEachBounded', () => {
  it('should keep at most total items and perKey items of a key in progress when work overlaps', async () => {
    const items = ['a', 'a', 'a', 'a', 'b', 'c', 'b', 'a', 'd'];
    let running = 0;
    let most = 0;
    const perKey = new Map<string, number>();
    let mostOfOneKey = 0;
    const done: string[] = [];
    await forEachBounded(
      items.map((key, index) => ({ key, index })),
      (item) => item.key,
      { total: 3, perKey: 2 },
      async (item) => {
        running++;
        perKey.set(item.key, (perKey.get(item.key) ?? 0) + 1);
        most = Math.max(most, running);
        mostOfOneKey = Math.max(mostOfOneKey, perKey.get(item.key)!);
        await new Promise((resolve) => setTimeout(resolve, 5));
        perKey.set(item.key, perKey.get(item.key)! - 1);
        running--;
        done.push(`${item.key}${item.index}`);
      },
    );
    expect(done).toHaveLength(items.length);
    expect(most).toBe(3);
    expect(mostOfOneKey).toBe(2);
    // b0 went ahead of the a's waiting for their key's slots.
    expect(done.indexOf('b4')).toBeLessThan(done.indexOf('a2'));
  });

  it('should finish the other items and then reject with the first error when one fails', async () => {
    const done: number[] = [];
    await expect(
      forEachBounded(
        [1, 2, 3, 4],
        () => 'k',
        { total: 2, perKey: 2 },
        async (item) => {
          if (item === 2) throw new Error('item 2 failed');
          done.push(item);
        },
      ),
    ).rejects.toThrow('item 2 failed');
    expect(done).toEqual([1, 3, 4]);
  });

  it('should resolve at once with no items', async () => {
    await expect(
      forEachBounded(
        [],
        () => 'k',
        { total: 1, perKey: 1 },
        async () => {},
      ),
    ).resolves.toBe(undefined);
  });
});
