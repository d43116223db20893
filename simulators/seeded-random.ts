/**
 * mulberry32: a small seeded PRNG (32-bit state, uniform in [0, 1)). The local venues use it for
 * ids, tokens and price walks so that a seed always replays the same session; tests use it for
 * seeded workloads and jitter. Not for anything secret.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
