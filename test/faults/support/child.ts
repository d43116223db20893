import { type ChildProcess, spawn } from 'node:child_process';
import { createApiClient } from '../../../adapters/http/client.ts';
import { until } from '../../support/until.ts';

/** `oms serve` in a child process (the real thing `npm start` runs), with its output captured. */
export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  token: string;
  api: ReturnType<typeof createApiClient>;
  stdout(): string;
  stderr(): string;
  /** SIGKILL: no cleanup, no flush, as a crash. Resolves when the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

const ROOT = new URL('../../../', import.meta.url).pathname;

/** Spawns `node --import tsx adapters/cli/oms.ts serve` and lets it run without waiting. */
export function spawnServe(env: Record<string, string>): {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'adapters/cli/oms.ts', 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', OMS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Starts the service as a child process and waits until it serves and every venue trades. */
export async function startServiceProcess(
  env: Record<string, string>,
  options: { waitForTrading?: boolean; timeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const spawned = spawnServe(env);
  const { child } = spawned;
  await until(
    'the service to print its URL',
    () => {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`the service exited (${child.exitCode ?? child.signalCode}):\n${spawned.stderr()}`);
      return /Stop with Ctrl-C/.test(spawned.stdout());
    },
    options.timeoutMs ?? 60_000,
    50,
  ).catch((error: Error) => {
    child.kill('SIGKILL');
    error.message += `\nstdout:\n${spawned.stdout()}\nstderr:\n${spawned.stderr()}`;
    throw error;
  });
  const url = /API\s+(http:\/\/\S+)/.exec(spawned.stdout())?.[1] ?? '';
  const token = env.OMS_API_TOKEN ?? /Token\s+(\S+)/.exec(spawned.stdout())?.[1] ?? '';
  const api = createApiClient({ baseUrl: url, token, timeoutMs: 20_000 });
  if (options.waitForTrading ?? true) {
    let health: unknown;
    await until(
      'every venue of the service to trade',
      async () => {
        const h = await api.health();
        health = h.venues;
        return h.venues.every((v) => v.trading);
      },
      options.timeoutMs ?? 60_000,
      50,
    ).catch((error: Error) => {
      child.kill('SIGKILL');
      const tail = (text: string) => text.split('\n').slice(-15).join('\n');
      error.message += `\nvenues: ${JSON.stringify(health)}\nstdout:\n${tail(spawned.stdout())}\nstderr:\n${tail(spawned.stderr())}`;
      throw error;
    });
  }
  const gone = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await spawned.exited;
  };
  return {
    child,
    url,
    token,
    api,
    stdout: spawned.stdout,
    stderr: spawned.stderr,
    kill9: () => gone('SIGKILL'),
    stop: () => gone('SIGTERM'),
  };
}
