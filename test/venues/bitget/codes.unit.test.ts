import { describe, expect, it } from 'vitest';
import {
  BITGET_CODES,
  type BitgetCodeKind,
  classifyBitgetCode,
} from '../../../adapters/venues/bitget/codes.ts';

/** Every code of the reference's B6 table, with what it must prove. */
const B6: Record<string, BitgetCodeKind> = {
  // authentication failures
  '40001': 'refused',
  '40002': 'refused',
  '40003': 'refused',
  '40006': 'refused',
  '40009': 'refused',
  '40011': 'refused',
  '40012': 'refused',
  '40037': 'refused',
  // timestamps
  '40004': 'refused',
  '40008': 'refused',
  '40005': 'refused',
  '40014': 'refused',
  // parameters
  '40017': 'refused',
  '40034': 'refused',
  '40019': 'refused',
  '40109': 'not_found',
  '40305': 'refused',
  '40306': 'refused',
  '40762': 'refused',
  '40768': 'refused',
  '40774': 'refused',
  // duplicate clientOid: the order EXISTS
  '40786': 'duplicate',
  '43118': 'duplicate',
  '40708': 'duplicate',
  '40712': 'refused',
  '40711': 'refused',
  '43012': 'refused',
  '43001': 'refused',
  '43006': 'refused',
  '45110': 'refused',
  '43025': 'refused',
  '22001': 'refused',
  '22002': 'refused',
  '22003': 'refused',
  '40808': 'refused',
  '429': 'retryable',
  '30001': 'ws',
  '30005': 'ws',
  '30006': 'ws',
  '30011': 'ws',
  '30012': 'ws',
  '30013': 'ws',
  '30014': 'ws',
  '30015': 'ws',
  '30016': 'ws',
};

describe('Bitget error classification', () => {
  it.each(Object.entries(B6))('classifies %s explicitly as %s', (code, kind) => {
    expect(Object.hasOwn(BITGET_CODES, code)).toBe(true);
    expect(classifyBitgetCode(code).kind).toBe(kind);
  });

  it('never calls a duplicate clientOid a rejection: 40786 means the order exists', () => {
    expect(classifyBitgetCode('40786')).toMatchObject({ kind: 'duplicate', topic: 'order' });
  });

  it('treats a code it does not know as an unknown outcome, never as a refusal', () => {
    expect(classifyBitgetCode('99999').kind).toBe('unknown');
  });

  it('marks clock errors so they are surfaced as such (and not retried in a loop)', () => {
    expect(classifyBitgetCode('40008').topic).toBe('clock');
  });
});
