import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type BuiltVenue, bitgetVenue, localKeyOf } from '../../adapters/composition/venues.ts';
import { loadConfig } from '../../adapters/config/config.ts';
import type { BitgetAdapter } from '../../adapters/venues/bitget/options.ts';

/** The composition root builds one adapter per configured account, on one local venue per venue. */

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function built(env: Record<string, string>): Promise<BuiltVenue> {
  const dir = await mkdtemp(join(tmpdir(), 'oms-composition-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const venue = await bitgetVenue(loadConfig({ OMS_DATA_DIR: join(dir, 'oms'), ...env }), logger);
  if (!venue) throw new Error('no Bitget');
  cleanup.push(async () => {
    for (const a of venue.accounts) await a.adapter.close();
    await venue.simulator?.close();
  });
  return venue;
}

describe('one adapter per configured account', () => {
  it('Given two local Bitget accounts, the second in hedge mode, then each adapter connects with its own key and finds its own mode', async () => {
    const venue = await built({ BITGET_ACCOUNT_2: 'basis', BITGET_POSITION_MODE_2: 'hedge' });
    expect(venue.accounts.map((a) => a.account)).toEqual([
      { venue: 'bitget', account: 'main', positionMode: 'one_way', marginMode: 'crossed' },
      { venue: 'bitget', account: 'basis', positionMode: 'hedge', marginMode: 'crossed' },
    ]);
    const modes: string[] = [];
    for (const { adapter } of venue.accounts) {
      expect(adapter.account).toBe(adapter === venue.accounts[0]?.adapter ? 'main' : 'basis');
      await adapter.connect();
      // The Bitget adapter asks the venue which mode the account is in.
      modes.push(await (adapter as BitgetAdapter).refreshPositionMode());
    }
    expect(modes).toEqual(['one_way', 'hedge']);
    // The one local Bitget holds both accounts, under the keys the composition gave them.
    const local = venue.simulator?.entry.bitget;
    expect(local?.positions(localKeyOf('main'))).toEqual([]);
    expect(local?.positions(localKeyOf('basis'))).toEqual([]);
  });

  it('Given the Bitget venue off, then no adapter and no local venue are built', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oms-composition-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    expect(await bitgetVenue(loadConfig({ OMS_DATA_DIR: dir, BITGET_MODE: 'off' }), logger)).toBeUndefined();
  });
});
