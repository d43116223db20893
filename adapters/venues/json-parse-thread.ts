import { TaskFailed, TaskThread, ThreadFailed } from './task-thread.ts';
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

/**
 * `parseVenueJson`, in a worker thread for long texts (`OFF_THREAD_CHARS`); rejects with a
 * SyntaxError when the text is not JSON, as `parseVenueJson` throws. Should the thread fail (it
 * could not start, it died), the text is parsed in place instead, never lost; a thread that never
 * started is not tried again.
 */
export function createVenueJsonParser(workerModule: URL = WORKER): (text: string) => Promise<unknown> {
  let thread: TaskThread | undefined;
  const inPlace = (text: string): Promise<unknown> => {
    try {
      return Promise.resolve(parseVenueJson(text));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return (text) => {
    if (text.length < OFF_THREAD_CHARS || thread?.broken) return inPlace(text);
    thread ??= new TaskThread(workerModule, 'oms-venue-json');
    return thread.run(text).catch((error: unknown) => {
      if (error instanceof ThreadFailed) return inPlace(text);
      if (error instanceof TaskFailed) throw new SyntaxError(error.message);
      throw error;
    });
  };
}

/** The process's parser (`createVenueJsonParser`). */
export const parseVenueJsonOffThread = createVenueJsonParser();
