import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PlaceLoad } from './load-driver.ts';

/** Operations the benchmark asks of the venues running in their worker thread. */
export type VenueOp =
  | {
      op: 'deribit.trade';
      args: { instrument: string; side: 'buy' | 'sell'; amount: string; price?: string };
    }
  | { op: 'deribit.markPrice'; args: { instrument: string } }
  | { op: 'deribit.trades'; args: Record<string, never> }
  | { op: 'deribit.fillEach'; args: { instrument: string; amount: string; side?: 'buy' | 'sell' } }
  | { op: 'deribit.tradeCount'; args: Record<string, never> }
  | { op: 'deribit.requestCount'; args: { method: string } }
  | { op: 'deribit.tradeIdsFrom'; args: { from: number } }
  | { op: 'deribit.positions'; args: Record<string, never> }
  | { op: 'deribit.openOrders'; args: Record<string, never> }
  | { op: 'bitget.markPrice'; args: { symbol: string } }
  | { op: 'bitget.setMarkPrice'; args: { symbol: string; price: string; liquidity?: string } }
  | { op: 'bitget.trades'; args: Record<string, never> }
  | { op: 'bitget.positions'; args: Record<string, never> }
  | { op: 'load.place'; args: PlaceLoad };

export interface VenueCredentials {
  deribit: { clientId: string; clientSecret: string };
  bitget: { apiKey: string; secretKey: string; passphrase: string };
}

export interface VenueThread {
  readonly credentials: VenueCredentials;
  readonly deribit: { wsUrl: string; httpUrl: string };
  readonly bitget: { restUrl: string; wsUrl: string };
  call<O extends VenueOp['op']>(op: O, args: Extract<VenueOp, { op: O }>['args']): Promise<unknown>;
  close(): Promise<void>;
}

/** Where the venues run: a worker thread of the benchmark process, or a process of their own. */
export type VenueIsolation = 'thread' | 'process';

interface Channel {
  onMessage(listener: (message: Record<string, unknown>) => void): void;
  onError(listener: (error: Error) => void): void;
  send(message: unknown): void;
  close(): Promise<void>;
}

const workerChannel = (credentials: VenueCredentials): Channel => {
  const target = new URL('./venue-worker.ts', import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(target)}); })`,
    { eval: true, workerData: credentials },
  );
  return {
    onMessage: (listener) => worker.on('message', listener),
    onError: (listener) => worker.once('error', listener),
    send: (message) => worker.postMessage(message),
    close: async () => {
      await worker.terminate();
    },
  };
};

const processChannel = (credentials: VenueCredentials): Channel => {
  const child = fork(fileURLToPath(new URL('./venue-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_VENUE_CREDENTIALS: JSON.stringify(credentials) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    onMessage: (listener) => child.on('message', listener as (message: unknown) => void),
    onError: (listener) => {
      child.once('error', listener);
      child.once('exit', (code) => listener(new Error(`the venue process exited (${code})`)));
    },
    send: (message) => child.send(message as never),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
};

/**
 * Starts the local venues in a worker thread (TypeScript through tsx's loader, as the main thread)
 * or, with `process`, in a child process: then nothing but the service runs in this process, and
 * `process.cpuUsage()` measures the OMS alone.
 */
export async function startVenueThread(isolation: VenueIsolation = 'thread'): Promise<VenueThread> {
  const credentials: VenueCredentials = {
    deribit: { clientId: 'bench', clientSecret: 'bench-secret' },
    bitget: { apiKey: 'bench-key', secretKey: 'bench-secret', passphrase: 'bench-pass' },
  };
  const channel = isolation === 'thread' ? workerChannel(credentials) : processChannel(credentials);
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  const ready = new Promise<{ deribit: VenueThread['deribit']; bitget: VenueThread['bitget'] }>(
    (resolve, reject) => {
      channel.onError(reject);
      channel.onMessage((message) => {
        if ('ready' in message) {
          resolve(message.ready as never);
          return;
        }
        const { id, ok, value, error } = message as {
          id: number;
          ok: boolean;
          value: unknown;
          error: string;
        };
        const waiter = pending.get(id);
        pending.delete(id);
        if (ok) waiter?.resolve(value);
        else waiter?.reject(new Error(error));
      });
    },
  );
  const urls = await ready;
  return {
    credentials,
    ...urls,
    call: (op, args) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        channel.send({ id, op, args });
      }),
    close: () => channel.close(),
  };
}
