import { parse } from 'lossless-json';

/**
 * Parses venue JSON without ever making a JS float: every JSON number is handed over as its exact
 * text (`60000.1` -> "60000.1", `1695806875837` -> "1695806875837"), so decimals are built from
 * exactly what the venue sent and the raw payload kept for the audit trail carries the numbers as
 * text. Deribit sends prices, amounts, fees and PnL as JSON numbers (its older dialect, seeds
 * 000/002, as strings); Bitget sends most numbers as strings already, the rest (`requestTime`, WS
 * `ts`, `code`, positions `leverage`) as numbers. The schemas accept both spellings.
 */
export function parseVenueJson(text: string): unknown {
  return parse(text, null, (numberText: string) => numberText);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
