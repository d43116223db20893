import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { StoreLockedError } from '../../../application/ports/event-store-errors.ts';

/**
 * PGlite takes no lock on its data directory (PGlite issue #1106): two processes on one directory
 * corrupt it. This lock file refuses the second one. A lock left by a process that died (kill -9,
 * crash) is taken over: its pid is gone, or now belongs to a process that started later.
 */
export const LOCK_FILE_NAME = 'oms-store.lock';

const lockSchema = z.object({
  pid: z.number().int().positive(),
  startedAt: z.string(),
  procStart: z.string().nullable(),
});
type LockContent = z.infer<typeof lockSchema>;

/** Linux: the process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
const procStartOf = async (pid: number): Promise<string | null> => {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const holdsLock = async (lock: LockContent): Promise<boolean> => {
  if (!isAlive(lock.pid)) return false;
  if (lock.procStart === null) return true;
  const now = await procStartOf(lock.pid);
  // The pid was reused by a process that started after the lock was taken.
  return now === null || now === lock.procStart;
};

export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

export const acquireDataDirLock = async (dataDir: string): Promise<DataDirLock> => {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE_NAME);
  const mine: LockContent = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    procStart: await procStartOf(process.pid),
  };
  // Written in full beside the lock, then linked into place: the lock file is never seen half-written.
  const draft = `${path}.${process.pid}.draft`;
  const file = await open(draft, 'w');
  await file.writeFile(JSON.stringify(mine));
  await file.sync();
  await file.close();
  try {
    return await takeLock(dataDir, path, draft);
  } finally {
    await unlink(draft).catch(() => undefined);
  }
};

const takeLock = async (dataDir: string, path: string, draft: string): Promise<DataDirLock> => {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await link(draft, path);
      let released = false;
      return {
        path,
        release: async () => {
          if (released) return;
          released = true;
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const text = await readFile(path, 'utf8').catch(() => '');
    const parsed = lockSchema.safeParse(
      (() => {
        try {
          return JSON.parse(text);
        } catch {
          return undefined;
        }
      })(),
    );
    if (parsed.success && (await holdsLock(parsed.data))) {
      const holder = parsed.data;
      const same = holder.pid === process.pid ? ' (this process: close the other store first)' : '';
      throw new StoreLockedError(
        `the embedded event store at ${dataDir} is in use by process ${holder.pid}${same}, started ${holder.startedAt}. ` +
          'Only one process may open it: stop that process, or use another data directory. ' +
          `If no such process runs, delete ${path}.`,
        holder.pid,
      );
    }
    // Stale: take it over. (Two processes taking over one stale lock at the same instant could
    // both succeed; starting two at once right after a crash is not a case we guard.)
    await unlink(path).catch(() => undefined);
  }
  throw new Error(`could not take the lock ${path}`);
};
