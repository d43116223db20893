import { parentPort, type Worker } from 'node:worker_threads';
import { z } from 'zod';
import { startTsWorker } from '../ts-worker.ts';

/**
 * One worker thread doing one kind of task for the service's event loop (parsing a venue's long
 * message, screening a venue's list of open orders), started at the first task and never keeping
 * the process alive. The worker module answers each `{ id, input }` through `serveTasks`.
 */

/** What a worker answers (`serveTasks`). */
const ReplySchema = z.discriminatedUnion('ok', [
  z.object({ id: z.number(), ok: z.literal(true), value: z.unknown() }),
  z.object({ id: z.number(), ok: z.literal(false), error: z.string() }),
]);

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Why a task did not come back from the thread (the thread failed; the input may be fine). */
export class ThreadFailed extends Error {}

/** The task's own failure, as the worker worded it. */
export class TaskFailed extends Error {}

export class TaskThread {
  readonly #module: URL;
  readonly #name: string;
  #worker: Worker | undefined;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  /** A worker failed before it ever answered: none is started again. */
  #broken = false;
  #answered = false;

  constructor(module: URL, name: string) {
    this.#module = module;
    this.#name = name;
  }

  get broken(): boolean {
    return this.#broken;
  }

  /** Resolves to the worker's value; rejects with `TaskFailed` (the task's error) or `ThreadFailed`. */
  run(input: unknown): Promise<unknown> {
    const worker = this.#ensure();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, input });
    });
  }

  #ensure(): Worker {
    if (this.#worker) return this.#worker;
    const worker = startTsWorker(this.#module, { name: this.#name });
    worker.unref();
    worker.on('message', (raw: unknown) => {
      const reply = ReplySchema.safeParse(raw);
      if (!reply.success) {
        // Not what a worker answers: stop it; what it was doing fails over to the caller.
        void worker.terminate();
        return;
      }
      const waiting = this.#waiting.get(reply.data.id);
      if (waiting === undefined) return;
      this.#waiting.delete(reply.data.id);
      if (this.#waiting.size === 0) worker.unref();
      this.#answered = true;
      if (reply.data.ok) waiting.resolve(reply.data.value);
      else waiting.reject(new TaskFailed(reply.data.error));
    });
    // A worker that fails or exits fails what it was doing; the next task starts another.
    const fail = (error: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      if (!this.#answered) this.#broken = true;
      const failed = new ThreadFailed(error.message, { cause: error });
      for (const waiting of this.#waiting.values()) waiting.reject(failed);
      this.#waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the ${this.#name} thread exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }
}

/** The worker's side: answers every `{ id, input }` with `task(input)`'s value or its error's message. */
export function serveTasks(task: (input: unknown) => unknown): void {
  parentPort?.on('message', (message: { id: number; input: unknown }) => {
    try {
      parentPort?.postMessage({ id: message.id, ok: true, value: task(message.input) });
    } catch (error) {
      parentPort?.postMessage({
        id: message.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  });
}
