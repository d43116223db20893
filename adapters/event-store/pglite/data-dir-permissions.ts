import { chmod, mkdir, opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The data directory is open to other users: refused at start, with what to do. */
export class DataDirPermissionsError extends Error {
  readonly code = 'DATA_DIR_NOT_PRIVATE';
  constructor(message: string) {
    super(message);
    this.name = 'DataDirPermissionsError';
  }
}

/** Directories and files the service creates from now on: for its own user only. */
const PRIVATE_UMASK = 0o077;

/**
 * Makes the embedded store's data directory private to the service's user, before the database
 * opens: every order and the whole audit trail are in it. A directory that group or others may
 * write is refused (someone may already have rewritten it); one they may read is closed (0700 for
 * directories, 0600 for files); and the process's umask is narrowed for what else it writes.
 */
export async function makeDataDirPrivate(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const mode = (await stat(dir)).mode & 0o777;
  if ((mode & 0o022) !== 0) {
    const who = [mode & 0o020 ? 'its group' : '', mode & 0o002 ? 'every user' : '']
      .filter(Boolean)
      .join(' and ');
    throw new DataDirPermissionsError(
      `the data directory ${dir} may be written by ${who} (mode ${mode.toString(8)}): anyone who can write it can rewrite the audit trail. Check its contents, then run chmod 700 ${dir} and start again`,
    );
  }
  narrowUmask();
  await closeTree(dir);
}

function narrowUmask(): void {
  try {
    const current = process.umask();
    process.umask(current | PRIVATE_UMASK);
  } catch {
    // Worker threads cannot change the umask: the tree is closed explicitly below anyway.
  }
}

/**
 * 0700 for every directory and 0600 for every file under `dir`, walking it one entry at a time.
 * PGlite sets its files' modes itself (0666, whatever the umask): the store closes the tree again
 * once the database is open and when it closes. In between, the directory's own 0700 keeps every
 * other user out of everything below it.
 */
export async function closeTree(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for await (const entry of await opendir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await closeTree(path);
    else if (entry.isFile()) await chmod(path, 0o600);
  }
}
