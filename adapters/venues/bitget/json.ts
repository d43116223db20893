import { parse } from 'lossless-json';

/**
 * Parses venue JSON without ever making a JS float: every JSON number is handed over as its exact
 * text (`60000.1` -> "60000.1", `1695806875837` -> "1695806875837"). Bitget sends most numbers as
 * strings already; the rest (`requestTime`, WS `ts`, `code`, positions `leverage`) arrive as text
 * too, and the schemas accept both spellings.
 */
export function parseVenueJson(text: string): unknown {
  return parse(text, null, (numberText: string) => numberText);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
