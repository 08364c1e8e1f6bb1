import { backoffDelayMs } from '../work-loop';

describe('backoffDelayMs', () => {
  it('should double the ceiling per attempt and keep the delay in its upper half', () => {
    expect(backoffDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffDelayMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffDelayMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffDelayMs(4, 1000, 60_000, () => 0)).toBe(4000);
  });

  it('should never exceed the cap', () => {
    expect(backoffDelayMs(30, 1000, 60_000, () => 1)).toBe(60_000);
  });
});
