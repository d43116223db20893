import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { containerEngineAvailable } from './container-engine.ts';

/**
 * A fresh PostgreSQL database for one test file, on whatever this machine has:
 * 1. `DATABASE_URL` (CI sets it): a new database on that server;
 * 2. else PostgreSQL binaries (initdb, pg_ctl): a throwaway cluster in a temp directory;
 * 3. else a container engine: a postgres container through testcontainers;
 * 4. else nothing: the caller skips its PostgreSQL suites with the reason given.
 *
 *   const db = await testDatabase('event-store-contract');
 *   describe.skipIf(!db.available)(...)   // db.reason says why when skipped
 *   afterAll(() => db.available && db.drop());
 *
 * The database is named `<label>_<random>` and dropped by `drop()` (with the cluster or container).
 */
export type TestDatabase =
  | {
      readonly available: true;
      readonly url: string;
      readonly source: TestDatabaseSource;
      drop(): Promise<void>;
    }
  | { readonly available: false; readonly reason: string };

export type TestDatabaseSource = 'DATABASE_URL' | 'local cluster' | 'testcontainers';

const exec = promisify(execFile);

const databaseName = (label: string): string =>
  `${label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40)}_${randomBytes(4).toString('hex')}`;

const withDatabase = (serverUrl: string, database: string): string => {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
};

/** Creates `database` on the server at `serverUrl`; `drop` removes it, even with sessions left open. */
const createOn = async (serverUrl: string, label: string) => {
  const database = databaseName(label);
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(serverUrl, database),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        await client.query(`drop database if exists ${database} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
};

const findBinaries = async (): Promise<{ initdb: string; pgCtl: string } | undefined> => {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  try {
    const versions = (await readdir('/usr/lib/postgresql')).sort().reverse();
    dirs.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // not a Debian layout
  }
  for (const dir of dirs) {
    try {
      const names = await readdir(dir);
      if (names.includes('initdb') && names.includes('pg_ctl')) {
        return { initdb: join(dir, 'initdb'), pgCtl: join(dir, 'pg_ctl') };
      }
    } catch {
      // unreadable PATH entry
    }
  }
  return undefined;
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

/** initdb refuses to run as root: then run the binaries as the `postgres` user. */
const asServerUser = async (command: string, args: string[]): Promise<[string, string[]]> => {
  if (process.getuid?.() !== 0) return [command, args];
  return ['runuser', ['-u', 'postgres', '--', command, ...args]];
};

const startLocalCluster = async (binaries: { initdb: string; pgCtl: string }) => {
  const dir = await mkdtemp(join(tmpdir(), 'oms-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { stdout } = await exec('id', ['-u', 'postgres']);
    const { stdout: gid } = await exec('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    await chmod(dir, 0o700);
  }
  const port = await freePort();
  const run = async (command: string, args: string[]) => {
    const [c, a] = await asServerUser(command, args);
    await exec(c, a, { timeout: 60_000 });
  };
  await run(binaries.initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  // A unix socket in the temp directory, plus TCP on a free loopback port for clients that need it.
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  await run(binaries.pgCtl, [
    '-D',
    data,
    '-o',
    serverOptions,
    '-l',
    join(dir, 'log'),
    '-w',
    '-t',
    '30',
    'start',
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await run(binaries.pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
};

const startContainer = async () => {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(process.env.POSTGRES_IMAGE ?? 'postgres:16-alpine')
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  return {
    url: `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`,
    stop: async () => {
      await container.stop();
    },
  };
};

export const testDatabase = async (label: string): Promise<TestDatabase> => {
  const given = process.env.DATABASE_URL;
  if (given) {
    const created = await createOn(given, label);
    return { available: true, source: 'DATABASE_URL', ...created };
  }
  const binaries = await findBinaries();
  if (binaries) {
    const cluster = await startLocalCluster(binaries);
    try {
      const created = await createOn(cluster.url, label);
      return {
        available: true,
        source: 'local cluster',
        url: created.url,
        drop: async () => {
          await created.drop().catch(() => undefined);
          await cluster.stop();
        },
      };
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }
  if (containerEngineAvailable()) {
    const container = await startContainer();
    const created = await createOn(container.url, label);
    return { available: true, source: 'testcontainers', url: created.url, drop: container.stop };
  }
  return {
    available: false,
    reason:
      'no PostgreSQL: set DATABASE_URL (e.g. `docker compose up -d postgres` and ' +
      'DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres), install PostgreSQL, or run a container engine',
  };
};
