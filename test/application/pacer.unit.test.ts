import { describe, expect, it } from 'vitest';
import { eventLoopPacer } from '../../application/support/pacer.ts';

describe('eventLoopPacer: long loops give the event loop a turn', () => {
  it('Given a slice of 10 ms, When less than that has passed, Then it lets the loop go on at once; once it has, Then it waits for a turn of the event loop', async () => {
    // Given a clock the test moves
    let clock = 0;
    const pace = eventLoopPacer({ sliceMs: 10, now: () => clock });
    // When 9 ms of work have passed: no turn
    clock = 9;
    expect(pace()).toBeUndefined();
    // When 10 ms have: a turn, and a callback scheduled before it (an I/O or timer callback's
    // stand-in) runs before the loop goes on
    clock = 10;
    const order: string[] = [];
    setImmediate(() => order.push('other work'));
    const turn = pace();
    expect(turn).toBeInstanceOf(Promise);
    await turn;
    order.push('loop');
    expect(order).toEqual(['other work', 'loop']);
    // Then the slice starts again from the turn
    clock = 19;
    expect(pace()).toBeUndefined();
    clock = 20;
    expect(pace()).toBeInstanceOf(Promise);
  });
});
