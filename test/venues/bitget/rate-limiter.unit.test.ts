import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BITGET_RATE_LIMITS, createRateLimiter } from '../../../adapters/venues/bitget/rate-limiter.ts';

describe('the client-side rate limiter', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => vi.useRealTimers());

  const limiter = () =>
    createRateLimiter({ limits: BITGET_RATE_LIMITS, windowMs: 1000, marginMs: 100, now: () => Date.now() });

  it("uses Bitget's limits: 10/s to place, 5/s for all-position, 1/s to close positions", () => {
    expect(BITGET_RATE_LIMITS.place).toBe(10);
    expect(BITGET_RATE_LIMITS.cancel).toBe(10);
    expect(BITGET_RATE_LIMITS.allPosition).toBe(5);
    expect(BITGET_RATE_LIMITS.closePositions).toBe(1);
  });

  it('lets ten placements through at once and holds the eleventh until the window has passed', async () => {
    const rate = limiter();
    const sentAt: number[] = [];
    const requests = Array.from({ length: 12 }, () =>
      rate.acquire('place', 10_000).then((allowed) => {
        expect(allowed).toBe(true);
        sentAt.push(Date.now());
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(sentAt).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(1099);
    expect(sentAt).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(requests);
    expect(sentAt).toHaveLength(12);
    // Never more than 10 in any window of 1000 ms.
    for (const t of sentAt)
      expect(sentAt.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(10);
  });

  it('keeps endpoint groups apart', async () => {
    const rate = limiter();
    for (let i = 0; i < 10; i++) await rate.acquire('place', 0);
    expect(rate.delayFor('place')).toBeGreaterThan(0);
    expect(rate.delayFor('cancel')).toBe(0);
  });

  it('refuses at once, without sending, when the wait would exceed the allowed one', async () => {
    const rate = limiter();
    for (let i = 0; i < 10; i++) await rate.acquire('place', 0);
    await expect(rate.acquire('place', 500)).resolves.toBe(false);
  });

  it('rejects waiting requests when disposed', async () => {
    const rate = limiter();
    for (let i = 0; i < 10; i++) await rate.acquire('place', 0);
    const waiting = rate.acquire('place', 5000);
    rate.dispose();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});
