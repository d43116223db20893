import { randomBytes } from 'node:crypto';
import { errorMessage } from '../error-message.ts';
import { parseReply } from './errors.ts';
import type { HttpAuth } from './http-rpc.ts';
import type { DeribitContext } from './options.ts';
import { AuthResultSchema } from './schemas.ts';
import { clientSignature } from './signing.ts';
import type { RpcReply, WsRpcConnection } from './ws-rpc.ts';

/**
 * Deribit authentication: client credentials or a client signature. Over the WebSocket the token
 * belongs to the connection: it is refreshed before `expires_in` runs out, and a connection whose
 * token can be neither refreshed nor renewed is dropped (the session reconnects). Over HTTP a
 * bearer token is kept while it lives (client credentials), or every request is signed.
 */

interface Token {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

export interface DeribitAuthOptions {
  readonly context: DeribitContext;
  /** A rate-limited request on a given socket. */
  readonly rpc: (ws: WsRpcConnection, method: string, params: Record<string, unknown>) => Promise<RpcReply>;
  /** A rate-limited, unauthenticated request over HTTP. */
  readonly http: (method: string, params: Record<string, unknown>) => Promise<RpcReply>;
  /** The live connection, if any: a refresh for another one is dropped. */
  readonly link: () => WsRpcConnection | undefined;
}

export class DeribitAuth {
  private readonly o: DeribitAuthOptions;
  private wsToken: Token | undefined;
  private httpToken: Token | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(options: DeribitAuthOptions) {
    this.o = options;
  }

  /** Authenticates a connection (and schedules the refresh of its token). */
  async authenticate(ws: WsRpcConnection): Promise<void> {
    const reply = await this.o.rpc(ws, 'public/auth', this.params());
    this.wsToken = this.tokenOf(reply.result);
    this.scheduleRefresh(ws);
    this.o.context.logger.info('deribit: authenticated');
  }

  /** The connection is gone: so are its token and its refresh. */
  forget(): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.wsToken = undefined;
  }

  /** How to authenticate an HTTP request; `force` renews the bearer token. */
  async http(force: boolean): Promise<HttpAuth> {
    const { config, now } = this.o.context;
    const { clientId, clientSecret } = config.credentials;
    if (config.auth === 'client_signature') return { kind: 'signature', clientId, clientSecret, now };
    const current = this.httpToken;
    if (!force && current !== undefined && current.expiresAt - now() > config.requestTimeoutMs) {
      return { kind: 'bearer', token: current.accessToken };
    }
    const reply = await this.o.http('public/auth', this.params());
    this.httpToken = this.tokenOf(reply.result);
    return { kind: 'bearer', token: this.httpToken.accessToken };
  }

  private params(): Record<string, unknown> {
    const { config, now } = this.o.context;
    const { clientId, clientSecret } = config.credentials;
    if (config.auth === 'client_credentials') {
      return { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret };
    }
    const timestamp = now();
    const nonce = randomBytes(8).toString('hex');
    return {
      grant_type: 'client_signature',
      client_id: clientId,
      timestamp,
      nonce,
      data: '',
      signature: clientSignature(clientSecret, timestamp, nonce, ''),
    };
  }

  private tokenOf(result: unknown): Token {
    const auth = parseReply(AuthResultSchema, result, 'public/auth');
    return {
      accessToken: auth.access_token,
      refreshToken: auth.refresh_token,
      expiresAt: this.o.context.now() + auth.expires_in * 1000,
    };
  }

  private scheduleRefresh(ws: WsRpcConnection): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    const token = this.wsToken;
    if (token === undefined) return;
    const { config, now } = this.o.context;
    const lifetime = Math.max(0, token.expiresAt - now());
    this.refreshTimer = setTimeout(() => void this.refresh(ws), Math.floor(lifetime * config.tokenRefreshAt));
  }

  /** Refresh before expiry; if the refresh token is refused, authenticate afresh; else drop the socket. */
  private async refresh(ws: WsRpcConnection): Promise<void> {
    const token = this.wsToken;
    if (ws !== this.o.link() || token === undefined) return;
    const { logger } = this.o.context;
    try {
      const reply = await this.o.rpc(ws, 'public/auth', {
        grant_type: 'refresh_token',
        refresh_token: token.refreshToken,
      });
      this.wsToken = this.tokenOf(reply.result);
      this.scheduleRefresh(ws);
      logger.debug('deribit: token refreshed');
    } catch (error) {
      logger.warn({ err: errorMessage(error) }, 'deribit: token refresh failed, authenticating again');
      try {
        await this.authenticate(ws);
      } catch (again) {
        logger.error({ err: errorMessage(again) }, 'deribit: re-authentication failed, reconnecting');
        ws.terminate();
      }
    }
  }
}
