import { seededRandom } from '../seeded-random.ts';

/**
 * Deterministic ids for the local Bitget: 19-digit numbers like Bitget's, increasing, with
 * seeded gaps so two seeds give different ids and one seed always the same ones.
 */
export function idGenerator(seed: number): () => string {
  const random = seededRandom(seed);
  let next = 1_100_000_000_000_000_000n + BigInt(Math.floor(random() * 1e12)) * 1000n;
  return () => {
    next += 1n + BigInt(Math.floor(random() * 1000));
    return next.toString();
  };
}
