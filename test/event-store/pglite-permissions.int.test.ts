import { chmod, lstat, mkdtemp, opendir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPgliteEventStore } from '../../adapters/event-store/pglite/pglite-event-store.ts';

const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

const scratch = async () => {
  const root = await mkdtemp(join(tmpdir(), 'oms-perms-'));
  roots.push(root);
  return root;
};

/** Every path under `dir` (itself included) with its permission bits. */
async function modes(dir: string): Promise<[string, number][]> {
  const found: [string, number][] = [[dir, (await lstat(dir)).mode & 0o777]];
  for await (const entry of await opendir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await modes(path)));
    else found.push([path, (await lstat(path)).mode & 0o777]);
  }
  return found;
}

describe('the embedded data directory is private to the service’s user', () => {
  it('a fresh data directory and every file in it are for the owner only (0700 / 0600)', async () => {
    // Given a fresh data directory, and a store that wrote to it
    const dir = join(await scratch(), 'data');
    const store = await openPgliteEventStore({ dataDir: dir });
    await store.append(
      'order-1',
      [{ id: crypto.randomUUID(), type: 'Probe', data: { x: 1 }, metadata: {} }],
      {
        expectedRevision: 'no_stream',
      },
    );
    await store.close();

    // Then nothing in it is open to group or others
    const all = await modes(dir);
    expect(all.length).toBeGreaterThan(10);
    const open = all
      .filter(([, mode]) => (mode & 0o077) !== 0)
      .map(([path, mode]) => `${path} ${mode.toString(8)}`);
    expect(open).toEqual([]);
  });

  it('an existing data directory others can read is closed at start; one others can write is refused', async () => {
    const readable = join(await scratch(), 'readable');
    await (await openPgliteEventStore({ dataDir: readable })).close();
    await chmod(readable, 0o755);
    await (await openPgliteEventStore({ dataDir: readable })).close();
    expect((await lstat(readable)).mode & 0o777).toBe(0o700);

    const writable = join(await scratch(), 'writable');
    await (await openPgliteEventStore({ dataDir: writable })).close();
    await chmod(writable, 0o777);
    await expect(openPgliteEventStore({ dataDir: writable })).rejects.toThrow(
      /may be written by .*chmod 700/,
    );
  });
});
