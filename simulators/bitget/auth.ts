import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { BitgetFailure, refuse } from './errors.ts';

/**
 * Signature verification of the local Bitget, written from the protocol (not from the adapter's
 * signing code): REST prehash = timestamp + METHOD + path (+ "?" + raw query) + raw body, WS login
 * prehash = timestamp + "GET" + "/user/verify"; base64 HMAC-SHA256 with the secret key.
 */

export interface LocalCredentials {
  apiKey: string;
  secretKey: string;
  passphrase: string;
}

const sign = (secret: string, prehash: string) =>
  createHmac('sha256', secret).update(prehash, 'utf8').digest();

function sameSignature(expected: Buffer, given: string): boolean {
  const decoded = Buffer.from(given, 'base64');
  return decoded.length === expected.length && timingSafeEqual(decoded, expected);
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Checks a private REST call; returns the API key of the account it is for. */
export function verifyRest(args: {
  headers: IncomingHttpHeaders;
  method: string;
  path: string;
  rawQuery: string;
  body: string;
  credentials: ReadonlyMap<string, LocalCredentials>;
  serverNow: number;
  windowMs: number;
}): string {
  const key = header(args.headers, 'access-key');
  const signature = header(args.headers, 'access-sign');
  const timestamp = header(args.headers, 'access-timestamp');
  const passphrase = header(args.headers, 'access-passphrase');
  if (!key) throw refuse.keyEmpty();
  if (!signature) throw refuse.signEmpty();
  if (!passphrase) throw refuse.passphraseEmpty();
  if (!timestamp || !/^\d{13}$/.test(timestamp)) throw refuse.invalidTimestamp();
  if (Math.abs(args.serverNow - Number(timestamp)) > args.windowMs) throw refuse.timestampExpired();
  const credentials = args.credentials.get(key);
  if (credentials === undefined) throw refuse.keyDoesNotExist();
  if (credentials.passphrase !== passphrase) throw refuse.wrongPassphrase();
  const query = args.rawQuery === '' ? '' : `?${args.rawQuery}`;
  const prehash = `${timestamp}${args.method.toUpperCase()}${args.path}${query}${args.body}`;
  if (!sameSignature(sign(credentials.secretKey, prehash), signature)) throw refuse.badSignature();
  return key;
}

/** Checks a WS login argument; 10-digit (seconds) and 13-digit (ms) timestamps are both accepted. */
export function verifyWsLogin(args: {
  login: { apiKey: string; passphrase: string; timestamp: string; sign: string };
  credentials: ReadonlyMap<string, LocalCredentials>;
  serverNow: number;
  windowMs: number;
}): string {
  const { login } = args;
  const credentials = args.credentials.get(login.apiKey);
  if (credentials === undefined) throw new BitgetFailure('30011', 'Invalid ACCESS_KEY');
  if (credentials.passphrase !== login.passphrase)
    throw new BitgetFailure('30012', 'Invalid ACCESS_PASSPHRASE');
  if (!/^(\d{10}|\d{13})$/.test(login.timestamp))
    throw new BitgetFailure('30013', 'Invalid ACCESS_TIMESTAMP');
  const ms = login.timestamp.length === 10 ? Number(login.timestamp) * 1000 : Number(login.timestamp);
  if (Math.abs(args.serverNow - ms) > args.windowMs)
    throw new BitgetFailure('30014', 'Request timestamp expired');
  const prehash = `${login.timestamp}GET/user/verify`;
  if (!sameSignature(sign(credentials.secretKey, prehash), login.sign))
    throw new BitgetFailure('30015', 'Invalid sign');
  return login.apiKey;
}
