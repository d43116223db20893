import type { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { startTsWorker } from '../ts-worker.ts';
import { parseVenueJson } from './venue-json.ts';

/**
 * Venue messages of this many characters or more are parsed in a worker thread. A venue's long
 * list (Deribit's open orders, ten thousand of them about 5 MB) takes the exact parser a few
 * hundred milliseconds and its garbage as much again; on the service's event loop that is a pause
 * of every order, acknowledgement and fill. Off it, the event loop only receives the parsed value
 * (about 25 ms for those ten thousand orders). Shorter messages are parsed in place: a thread's
 * round trip would cost them more than it saves.
 */
export const OFF_THREAD_CHARS = 256 * 1024;

const WORKER = new URL('./json-parse-worker.ts', import.meta.url);

/** What the worker answers (`json-parse-worker.ts`). */
const ReplySchema = z.discriminatedUnion('ok', [
  z.object({ id: z.number(), ok: z.literal(true), value: z.unknown() }),
  z.object({ id: z.number(), ok: z.literal(false), error: z.string() }),
]);

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One worker for the process, started at the first long message, never keeping the process alive. */
class ParseThread {
  #worker: Worker | undefined;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;

  parse(text: string): Promise<unknown> {
    const worker = this.#ensure();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, text });
    });
  }

  #ensure(): Worker {
    if (this.#worker) return this.#worker;
    const worker = startTsWorker(WORKER, { name: 'oms-venue-json' });
    worker.unref();
    worker.on('message', (raw: unknown) => {
      const reply = ReplySchema.safeParse(raw);
      if (!reply.success) return;
      const waiting = this.#waiting.get(reply.data.id);
      if (waiting === undefined) return;
      this.#waiting.delete(reply.data.id);
      if (this.#waiting.size === 0) worker.unref();
      if (reply.data.ok) waiting.resolve(reply.data.value);
      else waiting.reject(new SyntaxError(reply.data.error));
    });
    // A worker that fails or exits fails what it was parsing; the next long message starts another.
    const fail = (error: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      for (const waiting of this.#waiting.values()) waiting.reject(error);
      this.#waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the venue JSON parser thread exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }
}

let thread: ParseThread | undefined;

/**
 * `parseVenueJson`, in a worker thread for long texts (`OFF_THREAD_CHARS`); rejects with a
 * SyntaxError when the text is not JSON, as `parseVenueJson` throws.
 */
export function parseVenueJsonOffThread(text: string): Promise<unknown> {
  if (text.length < OFF_THREAD_CHARS) {
    try {
      return Promise.resolve(parseVenueJson(text));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  thread ??= new ParseThread();
  return thread.parse(text);
}
