import type { ApiClient } from '../../../adapters/http/client.ts';
import { Decimal } from '../../../domain/decimal.ts';
import type { LocalVenues } from './venues.ts';

/** Net positions (`venue:symbol` → signed size, zero omitted) as the local venues hold them. */
export function venuePositions(venues: LocalVenues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of venues.deribit.positions()) {
    const size = new Decimal(String(p.size));
    if (!size.isZero()) out[`deribit:${String(p.instrument_name)}`] = size.toString();
  }
  for (const p of venues.bitget.positions()) {
    const total = new Decimal(String(p.total));
    const signed = p.holdSide === 'short' ? total.neg() : total;
    const key = `bitget:${String(p.symbol)}`;
    const sum = signed.plus(new Decimal(out[key] ?? '0'));
    if (sum.isZero()) delete out[key];
    else out[key] = sum.toString();
  }
  return out;
}

/** Net positions as the OMS's read models hold them (through the API). */
export async function omsPositions(api: ApiClient): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of await api.positions()) {
    const size = new Decimal(p.size);
    const signed = p.side === 'short' ? size.abs().neg() : size;
    const key = `${p.venue}:${p.symbol}`;
    const sum = signed.plus(new Decimal(out[key] ?? '0'));
    if (sum.isZero()) delete out[key];
    else out[key] = sum.toString();
  }
  return out;
}
