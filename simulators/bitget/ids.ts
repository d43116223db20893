import { seededRandom } from '../seeded-random.ts';

/** Issues ids; `last` is the latest issued, `resumeAfter` makes every later id larger than that one. */
export interface IdSource {
  (): string;
  readonly last: () => bigint;
  readonly resumeAfter: (id: bigint) => void;
}

/**
 * Deterministic ids for the local Bitget: 19-digit numbers like Bitget's, increasing, with
 * seeded gaps so two seeds give different ids and one seed always the same ones. A venue that
 * restarts resumes after the last id it issued: none is issued twice.
 */
export function idGenerator(seed: number): IdSource {
  const random = seededRandom(seed);
  let next = 1_100_000_000_000_000_000n + BigInt(Math.floor(random() * 1e12)) * 1000n;
  const issue = () => {
    next += 1n + BigInt(Math.floor(random() * 1000));
    return next.toString();
  };
  return Object.assign(issue, {
    last: () => next,
    resumeAfter: (id: bigint) => {
      if (id > next) next = id;
    },
  });
}
