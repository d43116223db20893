import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from '../../adapters/event-store/pglite/data-dir-lock.ts';
import { openPgliteEventStore } from '../../adapters/event-store/pglite/pglite-event-store.ts';

const fixture = join(import.meta.dirname, 'fixtures/hold-pglite-store.ts');

const startHolder = (dataDir: string): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
  });

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('the embedded store on a data directory (fault F12)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'oms-pglite-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('refuses a second process with a clear message, and the data survives', async () => {
    // Given another process holding the store
    const dataDir = join(root, 'shared');
    const holder = await startHolder(dataDir);
    try {
      // When this process opens the same directory
      const opening = openPgliteEventStore({ dataDir });
      // Then it is refused, naming the holder
      await expect(opening).rejects.toMatchObject({ code: 'STORE_LOCKED', holderPid: holder.pid });
      await expect(openPgliteEventStore({ dataDir })).rejects.toThrow(/in use by process \d+/);
    } finally {
      holder.stdin!.end();
      await exited(holder);
    }
    // And once the holder has closed, the store opens with the holder's event intact
    const store = await openPgliteEventStore({ dataDir });
    try {
      expect((await store.readStream('held-by-child')).map((e) => e.type)).toEqual(['Held']);
    } finally {
      await store.close();
    }
  });

  it('takes over a lock left by a process that died', async () => {
    // Given a lock file whose process no longer exists (as after kill -9)
    const dataDir = join(root, 'stale');
    const first = await openPgliteEventStore({ dataDir });
    await first.append('s', [{ id: randomUUID(), type: 'T', data: {}, metadata: {} }], {
      expectedRevision: 'any',
    });
    await first.close();
    const dead = spawn(process.execPath, ['-e', '']);
    await exited(dead);
    await writeFile(
      join(dataDir, LOCK_FILE_NAME),
      JSON.stringify({ pid: dead.pid, startedAt: new Date(0).toISOString(), procStart: null }),
    );
    // When opening the store
    const store = await openPgliteEventStore({ dataDir });
    try {
      // Then it starts, holds the lock itself, and has the data
      const lock = JSON.parse(await readFile(join(dataDir, LOCK_FILE_NAME), 'utf8')) as { pid: number };
      expect(lock.pid).toBe(process.pid);
      expect(await store.readStream('s')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('refuses a second store in the same process on the same directory', async () => {
    const dataDir = join(root, 'same-process');
    const store = await openPgliteEventStore({ dataDir });
    try {
      await expect(openPgliteEventStore({ dataDir })).rejects.toMatchObject({ code: 'STORE_LOCKED' });
    } finally {
      await store.close();
    }
  });
});
