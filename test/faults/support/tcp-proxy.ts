import { createServer, type Server, Socket } from 'node:net';

/**
 * A small TCP proxy in this process, between the service and a venue or the database, whose link
 * tests degrade: `latency` (each chunk held back), `blackhole` (connections accepted, nothing
 * forwarded either way, as a dead route), `reset` (every connection torn down with RST) and
 * `refuse` (new connections reset at once). Counts the connections it was asked for.
 */
export type LinkMode = 'pass' | 'blackhole' | 'refuse';

export interface TcpProxy {
  readonly port: number;
  /** Replaces `host:port` of the target in a URL with the proxy's. */
  url(targetUrl: string): string;
  setMode(mode: LinkMode): void;
  setLatency(ms: number): void;
  /** Tears every open connection down with a TCP reset. */
  resetAll(): void;
  /** Connections accepted since start. */
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: LinkMode = 'pass';
  let latencyMs = 0;
  let accepted = 0;
  const open = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') return;
      if (latencyMs === 0) {
        to.write(chunk);
        return;
      }
      from.pause();
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!to.destroyed) to.write(chunk);
        from.resume();
      }, latencyMs);
      timers.add(timer);
    });
  };

  const server: Server = createServer((client) => {
    accepted += 1;
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    open.add(client);
    open.add(upstream);
    const drop = () => {
      open.delete(client);
      open.delete(upstream);
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    forward(client, upstream);
    forward(upstream, client);
    upstream.connect(target.port, target.host);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    url(targetUrl) {
      const u = new URL(targetUrl);
      u.host = `127.0.0.1:${port}`;
      return u.toString().replace(/\/$/, targetUrl.endsWith('/') ? '/' : '');
    },
    setMode(next) {
      mode = next;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    resetAll() {
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    connections: () => accepted,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
