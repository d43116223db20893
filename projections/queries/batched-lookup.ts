/**
 * Look-ups by key asked for in the same turn of the event loop, answered by as few queries as
 * possible: a venue push of many fills (one per order) asks for each order's trades separately, and
 * under load those questions would otherwise cost a round trip each. The first look-up of a turn is
 * sent at once (a lone look-up waits for nothing); those that follow in the same turn go together
 * in one query at the end of the turn. Each caller gets the answers for its own keys.
 *
 *   const lookUp = batchedLookup((group, ids) => queryMapById(group, ids));
 *   await lookUp('venue/account', ['t1', 't2']);
 */
export function batchedLookup<V>(
  query: (group: string, keys: readonly string[]) => Promise<Map<string, V>>,
): (group: string, keys: readonly string[]) => Promise<Map<string, V>> {
  interface Waiter {
    keys: readonly string[];
    resolve(found: Map<string, V>): void;
    reject(error: unknown): void;
  }
  /** Per group: undefined outside a turn that looked up; the look-ups waiting for the turn's end. */
  const following = new Map<string, Waiter[]>();

  const send = (group: string, waiters: readonly Waiter[]) => {
    const keys = new Set(waiters.flatMap((w) => w.keys));
    query(group, [...keys]).then(
      (found) => {
        for (const w of waiters) {
          w.resolve(new Map(w.keys.flatMap((k) => (found.has(k) ? [[k, found.get(k)!]] : []))));
        }
      },
      (error: unknown) => {
        for (const w of waiters) w.reject(error);
      },
    );
  };

  return (group, keys) =>
    new Promise((resolve, reject) => {
      const waiter: Waiter = { keys, resolve, reject };
      const waiting = following.get(group);
      if (waiting !== undefined) {
        waiting.push(waiter);
        return;
      }
      following.set(group, []);
      setImmediate(() => {
        const batch = following.get(group) ?? [];
        following.delete(group);
        if (batch.length > 0) send(group, batch);
      });
      send(group, [waiter]);
    });
}
