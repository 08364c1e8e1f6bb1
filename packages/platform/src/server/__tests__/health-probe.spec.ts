import { createLogger } from '../../logging/logger';
import { createBackgroundProbe, type BackgroundProbe } from '../health-probe';

const logger = createLogger('probe-test', 'silent');

describe('background health probe', () => {
  let probe: BackgroundProbe | null = null;

  afterEach(() => probe?.stop());

  it('should report down without waiting when the check hangs', async () => {
    probe = createBackgroundProbe({
      name: 'hangs',
      check: () => new Promise(() => undefined),
      timeoutMs: 20,
      logger,
    });

    await probe.start();

    expect(probe.healthy()).toBe(false);
  });

  it('should report down only after two failed checks in a row', async () => {
    const answers = [true, false, true, false, false];
    const seenBeforeEachCheck: boolean[] = [];
    probe = createBackgroundProbe({
      name: 'slow-once',
      check: async () => {
        if (answers.length === 0) throw new Error('no answer');
        if (probe) seenBeforeEachCheck.push(probe.healthy());
        if (!answers.shift()) throw new Error('no answer');
      },
      intervalMs: 5,
      logger,
    });
    await probe.start();
    while (answers.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));

    // One failure between successes never showed as down; the second one in a row did.
    expect(seenBeforeEachCheck.slice(1)).toEqual([true, true, true, true]);
    expect(probe.healthy()).toBe(false);
  });

  it('should report up again once the dependency answers again', async () => {
    let up = false;
    probe = createBackgroundProbe({
      name: 'flaps',
      check: async () => {
        if (!up) throw new Error('connection refused');
      },
      intervalMs: 10,
      logger,
    });
    await probe.start();
    const downAtStart = probe.healthy();

    up = true;
    while (!probe.healthy()) await new Promise((resolve) => setTimeout(resolve, 5));

    expect(downAtStart).toBe(false);
    expect(probe.healthy()).toBe(true);
  });
});
