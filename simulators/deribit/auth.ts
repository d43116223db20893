import { timingSafeEqual } from 'node:crypto';
import type { AuthRequest } from './params.ts';
import { refuse } from './rpc-failure.ts';
import {
  readHmacAuthorization,
  type SignedFields,
  verifiesClientSignature,
  verifiesHttpSignature,
} from './signature.ts';

/**
 * Authentication in the local Deribit (reference A2): the three grant types of `public/auth`,
 * access tokens that expire (`13009 unauthorized`), connection-scoped tokens bound to the
 * WebSocket that obtained them, session-scoped tokens usable anywhere, and the HTTP
 * `Authorization` forms (Bearer, Basic, deri-hmac-sha256).
 */

export interface Client {
  clientId: string;
  clientSecret: string;
  accountId: number;
}

interface AccessToken {
  accountId: number;
  expiresAt: number;
  /** Connection-scoped tokens are valid only on the WebSocket that obtained them. */
  connectionId: number | undefined;
  scope: string;
}

interface RefreshToken {
  accountId: number;
  expiresAt: number;
  connectionId: number | undefined;
  session: string | undefined;
  requestedScope: string | undefined;
}

export interface Grant {
  accountId: number;
  accessToken: string;
  result: {
    access_token: string;
    token_type: 'bearer';
    expires_in: number;
    refresh_token: string;
    scope: string;
    enabled_features: string[];
    state?: string;
  };
}

export interface AuthSettings {
  tokenExpiresInSec: number;
  refreshTokenExpiresInSec: number;
  /** How far a client_signature / deri-hmac-sha256 timestamp may be from the server clock. */
  signatureWindowMs: number;
  now: () => number;
  /** Random token text (seeded by the server). */
  randomToken: () => string;
}

const SessionScope = /(?:^|\s)session:([A-Za-z0-9_-]{1,64})(?:\s|$)/;
const ExpiresScope = /(?:^|\s)expires:(\d+)(?:\s|$)/;

export class TokenStore {
  private readonly clients = new Map<string, Client>();
  private readonly access = new Map<string, AccessToken>();
  private readonly refresh = new Map<string, RefreshToken>();
  /** Nonces already used per client (single use within the signature window). */
  private readonly nonces = new Map<string, Map<string, number>>();

  private readonly settings: AuthSettings;

  constructor(clients: Client[], settings: AuthSettings) {
    this.settings = settings;
    for (const client of clients) this.clients.set(client.clientId, client);
  }

  /** `public/auth`. `connectionId` is the WebSocket's, undefined over HTTP. */
  authenticate(params: AuthRequest, connectionId: number | undefined): Grant {
    switch (params.grant_type) {
      case 'client_credentials': {
        const client = this.clients.get(params.client_id);
        if (client === undefined || !sameText(client.clientSecret, params.client_secret)) {
          throw refuse.invalidCredentials();
        }
        return this.grant(client.accountId, connectionId, params.scope, params.state);
      }
      case 'client_signature': {
        const client = this.clients.get(params.client_id);
        if (client === undefined) throw refuse.invalidCredentials();
        const fields = { timestamp: params.timestamp, nonce: params.nonce ?? '' };
        const valid = verifiesClientSignature(
          client.clientSecret,
          { ...fields, data: params.data ?? '' },
          params.signature,
        );
        this.checkSignature(client, fields, valid);
        return this.grant(client.accountId, connectionId, params.scope, params.state);
      }
      case 'refresh_token': {
        const token = this.refresh.get(params.refresh_token);
        if (token === undefined || token.expiresAt <= this.settings.now()) throw refuse.unauthorized();
        if (token.connectionId !== undefined && token.connectionId !== connectionId)
          throw refuse.unauthorized();
        this.refresh.delete(params.refresh_token);
        const scope = params.scope ?? token.requestedScope;
        return this.grant(token.accountId, connectionId, scope, params.state);
      }
    }
  }

  /** The account a token stands for, on a connection (undefined: HTTP). */
  accountForToken(token: string, connectionId: number | undefined): number {
    const found = this.access.get(token);
    if (found === undefined || found.expiresAt <= this.settings.now()) throw refuse.unauthorized();
    if (found.connectionId !== undefined && found.connectionId !== connectionId) throw refuse.unauthorized();
    return found.accountId;
  }

  /** Whether a token (that a connection authenticated with) is still good. */
  isValid(token: string): boolean {
    const found = this.access.get(token);
    return found !== undefined && found.expiresAt > this.settings.now();
  }

  revoke(token: string): void {
    this.access.delete(token);
  }

  /** Forgets the tokens bound to a closed connection. */
  forgetConnection(connectionId: number): void {
    for (const [token, value] of this.access)
      if (value.connectionId === connectionId) this.access.delete(token);
    for (const [token, value] of this.refresh)
      if (value.connectionId === connectionId) this.refresh.delete(token);
  }

  /** Makes every access token expire now (a test's shortcut to 13009). */
  expireAll(): void {
    const now = this.settings.now();
    for (const token of this.access.values()) token.expiresAt = now;
  }

  /**
   * The account behind an HTTP `Authorization` header: `Bearer <token>`, `Basic base64(id:secret)`
   * or `deri-hmac-sha256 id=..,ts=..,sig=..,nonce=..` (pairs read by name, in any order).
   */
  accountForHttp(header: string | undefined, request: { method: string; uri: string; body: string }): number {
    if (header === undefined || header.trim() === '') throw refuse.authorizationRequired();
    const space = header.indexOf(' ');
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    if (scheme === 'bearer') return this.accountForToken(value, undefined);
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const client = colon < 0 ? undefined : this.clients.get(decoded.slice(0, colon));
      if (client === undefined || !sameText(client.clientSecret, decoded.slice(colon + 1))) {
        throw refuse.invalidCredentials();
      }
      return client.accountId;
    }
    if (scheme === 'deri-hmac-sha256') {
      const signed = readHmacAuthorization(value);
      if (signed === undefined) throw refuse.authorizationRequired();
      const client = this.clients.get(signed.clientId);
      if (client === undefined) throw refuse.invalidCredentials();
      this.checkSignature(
        client,
        signed,
        verifiesHttpSignature(client.clientSecret, signed, request, signed.signature),
      );
      return client.accountId;
    }
    throw refuse.authorizationRequired();
  }

  /**
   * A signed request is accepted once: its timestamp within the window of the server's clock, its
   * signature valid, its nonce not used before by the client (a request signed without a nonce is
   * known by its timestamp instead).
   */
  private checkSignature(client: Client, fields: SignedFields, valid: boolean): void {
    const now = this.settings.now();
    if (Math.abs(now - fields.timestamp) > this.settings.signatureWindowMs) throw refuse.unauthorized();
    if (!valid) throw refuse.unauthorized();
    const used = this.nonces.get(client.clientId) ?? new Map<string, number>();
    for (const [seen, at] of used) if (now - at > this.settings.signatureWindowMs * 2) used.delete(seen);
    const key = fields.nonce === '' ? `ts:${fields.timestamp}` : `nonce:${fields.nonce}`;
    if (used.has(key)) throw refuse.unauthorized();
    used.set(key, now);
    this.nonces.set(client.clientId, used);
  }

  private grant(
    accountId: number,
    connectionId: number | undefined,
    requestedScope: string | undefined,
    state: string | undefined,
  ): Grant {
    const now = this.settings.now();
    const session = requestedScope?.match(SessionScope)?.[1];
    const expires = requestedScope?.match(ExpiresScope)?.[1];
    const lifetime = expires !== undefined ? Number(expires) : this.settings.tokenExpiresInSec;
    // Neither connection nor session asked for: `connection` (bound to this WebSocket).
    const boundTo = session === undefined ? connectionId : undefined;
    const accessToken = this.settings.randomToken();
    const refreshToken = this.settings.randomToken();
    const scope = `${session === undefined ? 'connection' : `session:${session}`} mainaccount trade:read_write wallet:read account:read_write`;
    this.access.set(accessToken, {
      accountId,
      expiresAt: now + lifetime * 1000,
      connectionId: boundTo,
      scope,
    });
    this.refresh.set(refreshToken, {
      accountId,
      expiresAt: now + this.settings.refreshTokenExpiresInSec * 1000,
      connectionId: boundTo,
      session,
      requestedScope,
    });
    return {
      accountId,
      accessToken,
      result: {
        access_token: accessToken,
        token_type: 'bearer',
        expires_in: lifetime,
        refresh_token: refreshToken,
        scope,
        enabled_features: [],
        ...(state !== undefined && { state }),
      },
    };
  }
}

/** Constant-time, case-sensitive comparison of secrets. */
function sameText(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
