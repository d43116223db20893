import { describe, expect, it } from 'vitest';
import { classifyDeribitError, DERIBIT_ERRORS } from '../../../adapters/venues/deribit/errors.ts';

/**
 * Every code of the reference's A9 table is classified explicitly: `rejected` only where the code
 * proves the request had no effect; `unknown` (retryable or not) otherwise. Never guessed.
 */

const REJECTED = [
  10000, 10002, 10003, 10004, 10005, 10007, 10009, 10010, 10011, 10012, 10020, 10021, 10023, 10025, 10026,
  10027, 10029, 10030, 10034, 10035, 10043, 10044, 11008, 11029, 11030, 11044, 11050, 11052, 11054, 13004,
  13009, 13021, -32600, -32601, -32602, -32700, -32000,
];
const UNKNOWN_RETRYABLE = [10028, 10040, 10041, 10047, 11051];
const UNKNOWN_NOT_RETRYABLE = [10001, 11031];

describe('the classification of Deribit error codes', () => {
  it.each(REJECTED)('%i proves the request was not carried out: rejected', (code) => {
    expect(DERIBIT_ERRORS[code], `code ${code} is in the table`).toBeDefined();
    expect(classifyDeribitError(code)).toMatchObject({ outcome: 'rejected', retryable: false });
  });

  it.each(UNKNOWN_RETRYABLE)('%i may be retried later, after a look-up: unknown, retryable', (code) => {
    expect(DERIBIT_ERRORS[code]).toBeDefined();
    expect(classifyDeribitError(code)).toMatchObject({ outcome: 'unknown', retryable: true });
  });

  it.each(UNKNOWN_NOT_RETRYABLE)('%i does not say what happened: unknown, not retryable', (code) => {
    expect(DERIBIT_ERRORS[code]).toBeDefined();
    expect(classifyDeribitError(code)).toMatchObject({ outcome: 'unknown', retryable: false });
  });

  it('covers the A9 table and nothing is left implicit', () => {
    const listed = [...REJECTED, ...UNKNOWN_RETRYABLE, ...UNKNOWN_NOT_RETRYABLE];
    for (const code of listed) expect(Object.keys(DERIBIT_ERRORS)).toContain(String(code));
  });

  it("carries Deribit's short messages", () => {
    expect(classifyDeribitError(10028).message).toBe('too_many_requests');
    expect(classifyDeribitError(11054).message).toBe('post_only_reject');
    expect(classifyDeribitError(13009).message).toBe('unauthorized');
  });

  it('asks for a new authentication on 10000 and 13009 only', () => {
    const reauth = Object.entries(DERIBIT_ERRORS)
      .filter(([, c]) => c.reauthenticate)
      .map(([code]) => Number(code));
    expect(reauth.sort()).toEqual([10000, 13009]);
  });

  it('reads a code it does not know as unknown, never as a rejection', () => {
    expect(classifyDeribitError(99999)).toMatchObject({ outcome: 'unknown', retryable: false });
    expect(classifyDeribitError(11094)).toMatchObject({ outcome: 'unknown' });
  });
});
