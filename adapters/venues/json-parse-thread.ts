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

/** Why a parse did not come back from the thread (the thread failed; the text may be fine). */
class ThreadFailed extends Error {}

/** One worker, started at the first long message, never keeping the process alive. */
class ParseThread {
  readonly #module: URL;
  #worker: Worker | undefined;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  /** A worker failed before it ever answered: none is started again. */
  #broken = false;
  #answered = false;

  constructor(module: URL) {
    this.#module = module;
  }

  get broken(): boolean {
    return this.#broken;
  }

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
    const worker = startTsWorker(this.#module, { name: 'oms-venue-json' });
    worker.unref();
    worker.on('message', (raw: unknown) => {
      const reply = ReplySchema.safeParse(raw);
      if (!reply.success) {
        // Not what the worker answers: stop it; what it was parsing is parsed in place.
        void worker.terminate();
        return;
      }
      const waiting = this.#waiting.get(reply.data.id);
      if (waiting === undefined) return;
      this.#waiting.delete(reply.data.id);
      if (this.#waiting.size === 0) worker.unref();
      this.#answered = true;
      if (reply.data.ok) waiting.resolve(reply.data.value);
      else waiting.reject(new SyntaxError(reply.data.error));
    });
    // A worker that fails or exits fails what it was parsing; the next long message starts another.
    const fail = (error: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      if (!this.#answered) this.#broken = true;
      const failed = new ThreadFailed(error.message, { cause: error });
      for (const waiting of this.#waiting.values()) waiting.reject(failed);
      this.#waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the venue JSON parser thread exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }
}

/**
 * `parseVenueJson`, in a worker thread for long texts (`OFF_THREAD_CHARS`); rejects with a
 * SyntaxError when the text is not JSON, as `parseVenueJson` throws. Should the thread fail (it
 * could not start, it died), the text is parsed in place instead, never lost; a thread that never
 * started is not tried again.
 */
export function createVenueJsonParser(workerModule: URL = WORKER): (text: string) => Promise<unknown> {
  let thread: ParseThread | undefined;
  const inPlace = (text: string): Promise<unknown> => {
    try {
      return Promise.resolve(parseVenueJson(text));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return (text) => {
    if (text.length < OFF_THREAD_CHARS || thread?.broken) return inPlace(text);
    thread ??= new ParseThread(workerModule);
    return thread.parse(text).catch((error: unknown) => {
      if (error instanceof ThreadFailed) return inPlace(text);
      throw error;
    });
  };
}

/** The process's parser (`createVenueJsonParser`). */
export const parseVenueJsonOffThread = createVenueJsonParser();
