/**
 * Deterministic ids for the local Bitget: 19-digit numbers like Bitget's, increasing, with
 * seeded gaps so two seeds give different ids and one seed always the same ones.
 */
export function seededRandom(seed: number): () => number {
  // mulberry32
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function idGenerator(seed: number): () => string {
  const random = seededRandom(seed);
  let next = 1_100_000_000_000_000_000n + BigInt(Math.floor(random() * 1e12)) * 1000n;
  return () => {
    next += 1n + BigInt(Math.floor(random() * 1000));
    return next.toString();
  };
}
