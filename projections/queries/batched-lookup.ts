/**
 * Look-ups by key asked for in the same turn of the event loop, answered by one query: a venue push
 * of many fills (one per order) asks for each order's trades separately, and under load those
 * questions would otherwise cost a round trip each. Each caller gets the answers for its own keys.
 *
 *   const lookUp = batchedLookup((ids: string[]) => queryMapById(ids));
 *   await lookUp('venue/account', ['t1', 't2']);
 */
export function batchedLookup<V>(
  query: (group: string, keys: readonly string[]) => Promise<Map<string, V>>,
): (group: string, keys: readonly string[]) => Promise<Map<string, V>> {
  const pending = new Map<
    string,
    { keys: Set<string>; waiters: { resolve(found: Map<string, V>): void; reject(error: unknown): void }[] }
  >();
  const flush = (group: string) => {
    const batch = pending.get(group);
    pending.delete(group);
    if (!batch) return;
    query(group, [...batch.keys]).then(
      (found) => {
        for (const waiter of batch.waiters) waiter.resolve(found);
      },
      (error: unknown) => {
        for (const waiter of batch.waiters) waiter.reject(error);
      },
    );
  };
  return (group, keys) =>
    new Promise((resolve, reject) => {
      let batch = pending.get(group);
      if (!batch) {
        batch = { keys: new Set(), waiters: [] };
        pending.set(group, batch);
        setImmediate(() => flush(group));
      }
      for (const key of keys) batch.keys.add(key);
      batch.waiters.push({
        resolve: (found) => resolve(new Map(keys.flatMap((k) => (found.has(k) ? [[k, found.get(k)!]] : [])))),
        reject,
      });
    });
}
