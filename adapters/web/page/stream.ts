import { type OrderView, OrderViewSchema } from '../../../application/orders/order-view.ts';
import { authorization } from './api.ts';

/** One line of an event block: `field: value` (a comment line or an empty one has no field). */
function fieldOf(line: string): { field: string; value: string } {
  if (line === '' || line.startsWith(':')) return { field: '', value: '' };
  const colon = line.indexOf(':');
  if (colon === -1) return { field: line, value: '' };
  return { field: line.slice(0, colon), value: line.slice(colon + 1).replace(/^ /, '') };
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

/**
 * Follows `GET /v1/orders/stream` (server-sent events) with fetch, so that the token goes in the
 * Authorization header (EventSource cannot send one, and the token never goes into a URL). Reads
 * the `text/event-stream` format (events separated by a blank line; `event:`, `data:`, `retry:`
 * fields; `:` comments) and reconnects after a dropped stream, calling `onState('live')` on every
 * (re)connection so the caller reloads what it may have missed. A 401/403 stops it.
 */
export function followOrders(
  onOrder: (order: OrderView) => void,
  onState: (state: StreamState) => void,
): () => void {
  const controller = new AbortController();
  let retryMs = 2_000;
  let stopped = false;

  const dispatch = (block: string) => {
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      const { field, value } = fieldOf(line);
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
    }
    if (type !== 'order' || data.length === 0) return;
    const parsed = OrderViewSchema.safeParse(JSON.parse(data.join('\n')));
    if (parsed.success) onOrder(parsed.data);
  };

  const readOnce = async () => {
    const response = await fetch('/v1/orders/stream', {
      headers: { accept: 'text/event-stream', ...authorization() },
      cache: 'no-store',
      credentials: 'omit',
      signal: controller.signal,
    });
    if (response.status === 401 || response.status === 403) {
      stopped = true;
      return;
    }
    if (!response.ok || response.body === null) throw new Error(`stream answered ${response.status}`);
    onState('live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.search(/\r?\n\r?\n/); end !== -1; end = buffer.search(/\r?\n\r?\n/)) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      }
    }
  };

  void (async () => {
    onState('connecting');
    while (!stopped) {
      try {
        await readOnce();
      } catch {
        // dropped or refused: try again after the server's retry interval
      }
      if (stopped || controller.signal.aborted) break;
      onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
    onState('stopped');
  })();

  return () => {
    stopped = true;
    controller.abort();
  };
}
