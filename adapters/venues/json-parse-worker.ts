import { serveTasks } from './task-thread.ts';
import { parseVenueJson } from './venue-json.ts';

/**
 * The worker of `json-parse-thread.ts`: parses venue JSON (numbers kept as their text) and posts
 * the value back, or the parser's message when the text is not JSON.
 */
serveTasks((text) => parseVenueJson(String(text)));
