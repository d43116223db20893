import { Worker } from 'node:worker_threads';

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
  | { op: 'bitget.positions'; args: Record<string, never> };

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

/** Starts the local venues in a worker thread (TypeScript through tsx's loader, as the main thread). */
export async function startVenueThread(): Promise<VenueThread> {
  const credentials: VenueCredentials = {
    deribit: { clientId: 'bench', clientSecret: 'bench-secret' },
    bitget: { apiKey: 'bench-key', secretKey: 'bench-secret', passphrase: 'bench-pass' },
  };
  const target = new URL('./venue-worker.ts', import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(target)}); })`,
    { eval: true, workerData: credentials },
  );
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  const ready = new Promise<{ deribit: VenueThread['deribit']; bitget: VenueThread['bitget'] }>(
    (resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (message: Record<string, unknown>) => {
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
        worker.postMessage({ id, op, args });
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}
