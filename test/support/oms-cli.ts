import { type ChildProcess, spawn } from 'node:child_process';
import { main } from '../../adapters/cli/main.ts';

/** `npm start` as a user runs it: a child process on a data directory, and where it listens. */
export interface ServedOms {
  readonly url: string;
  readonly token: string;
  /** Everything it printed so far. */
  readonly stdout: () => string;
  /** Stops it with `signal` (SIGTERM: a clean stop; SIGKILL: a crash) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `env`: more of the service's environment (named tokens, a fixed port...). */
export async function serveOms(dataDir: string, env: Record<string, string> = {}): Promise<ServedOms> {
  let stdout = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'adapters/cli/oms.ts', 'serve'], {
    env: {
      ...process.env,
      OMS_DATA_DIR: dataDir,
      OMS_API_PORT: '0',
      OMS_LOG_LEVEL: 'warn',
      OMS_STORE: 'embedded',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const deadline = Date.now() + 60_000;
  while (!/Stop with Ctrl-C/.test(stdout)) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`the service did not start:\n${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: /API\s+(http:\/\/\S+)/.exec(stdout)?.[1] ?? '',
    token: /Token\s+(\S+)/.exec(stdout)?.[1] ?? '',
    stdout: () => stdout,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}

/** The `oms` CLI in process, its output collected: against a service when `target` gives one. */
export async function oms(
  target: { url: string; token: string } | undefined,
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const connection = target ? ['--url', target.url, '--token', target.token] : [];
  const code = await main([...connection, ...argv], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}
