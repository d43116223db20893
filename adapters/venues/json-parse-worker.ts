import { parentPort } from 'node:worker_threads';
import { parseVenueJson } from './venue-json.ts';

/**
 * The worker of `json-parse-thread.ts`: parses venue JSON (numbers kept as their text) and posts
 * the value back, or the parser's message when the text is not JSON.
 */
parentPort?.on('message', (message: { id: number; text: string }) => {
  try {
    parentPort?.postMessage({ id: message.id, ok: true, value: parseVenueJson(message.text) });
  } catch (error) {
    parentPort?.postMessage({
      id: message.id,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    });
  }
});
