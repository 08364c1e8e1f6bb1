// Runs the test files in a shuffled order, seeded so a failing order can be
// replayed: TEST_SEED=<n> npm test. A test that passes only after another one
// ran first is a bug this order exposes.
const Sequencer = require('@jest/test-sequencer').default;

// mulberry32: a small, well-known seeded PRNG.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class ShuffledSequencer extends Sequencer {
  sort(tests) {
    const given = process.env.TEST_SEED;
    const seed = given && /^\d+$/.test(given) ? Number(given) : Math.floor(Math.random() * 2 ** 31);
    process.stderr.write(`jest: test files in shuffled order, TEST_SEED=${seed}\n`);
    const next = random(seed);
    // Sorted first, so one seed gives one order on every machine.
    const shuffled = [...tests].sort((a, b) => a.path.localeCompare(b.path));
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    return shuffled;
  }
}

module.exports = ShuffledSequencer;
