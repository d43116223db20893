import {
  appendFileSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { Decimal } from '../domain/decimal.ts';

/**
 * A local venue's memory across restarts: a snapshot file and a journal of the entries changed
 * since, one JSON line each (`{"k": key, "v": value}`, the latest line of a key wins). A venue writes
 * an entry before it answers the request that changed it (a process killed afterwards has it
 * on disk: the page cache survives a killed process), and compacts the journal into the snapshot
 * now and then. A torn last line (killed mid-write) is ignored: its request was never answered.
 *
 * Values are JSON with the types the venues keep tagged: decimals `{"$d": "1.5"}`, maps
 * `{"$m": [[k, v], ...]}`, sets `{"$s": [...]}`, big integers `{"$b": "123"}`.
 */
export class StateJournal {
  readonly #snapshot: string;
  readonly #journal: string;
  #lines = 0;

  /** `path`: the snapshot file; the journal is `<path>.journal`. Both private to the user (0600). */
  constructor(path: string) {
    this.#snapshot = path;
    this.#journal = `${path}.journal`;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  }

  /** Every entry recorded, latest value per key (empty on a first start). */
  load(): Map<string, unknown> {
    const entries = new Map<string, unknown>();
    for (const file of [this.#snapshot, this.#journal]) {
      for (const line of readLines(file)) {
        const entry = parseLine(line);
        if (entry) entries.set(entry.k, decode(entry.v));
      }
    }
    return entries;
  }

  /** Records entries (one write; on disk before this returns, as far as the process goes). */
  put(entries: Iterable<readonly [string, unknown]>): void {
    let text = '';
    for (const [key, value] of entries) text += `${JSON.stringify({ k: key, v: encode(value) })}\n`;
    if (text === '') return;
    appendFileSync(this.#journal, text, { mode: 0o600 });
    this.#lines += 1;
  }

  /** Entries written since the last compaction (a venue compacts when this grows large). */
  get journalWrites(): number {
    return this.#lines;
  }

  /** Writes every current entry as the new snapshot (atomically) and empties the journal. */
  compact(entries: Iterable<readonly [string, unknown]>): void {
    const temporary = `${this.#snapshot}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      for (const [key, value] of entries)
        writeFileSync(fd, `${JSON.stringify({ k: key, v: encode(value) })}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.#snapshot);
    writeFileSync(this.#journal, '', { mode: 0o600 });
    this.#lines = 0;
  }
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function parseLine(line: string): { k: string; v: unknown } | undefined {
  if (line.trim() === '') return undefined;
  try {
    const parsed = JSON.parse(line) as { k?: unknown; v?: unknown };
    return typeof parsed.k === 'string' ? { k: parsed.k, v: parsed.v } : undefined;
  } catch {
    return undefined; // a line torn by a kill mid-write: its request was never answered
  }
}

export function encode(value: unknown): unknown {
  if (value instanceof Decimal) return { $d: value.toString() };
  if (value instanceof Map) return { $m: [...value].map(([k, v]) => [encode(k), encode(v)]) };
  if (value instanceof Set) return { $s: [...value].map(encode) };
  if (typeof value === 'bigint') return { $b: value.toString() };
  if (Array.isArray(value)) return value.map(encode);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encode(v);
    return out;
  }
  return value;
}

export function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== 'object') return value;
  const tagged = value as Record<string, unknown>;
  const keys = Object.keys(tagged);
  if (keys.length === 1) {
    if (typeof tagged.$d === 'string') return new Decimal(tagged.$d);
    if (typeof tagged.$b === 'string') return BigInt(tagged.$b);
    if (Array.isArray(tagged.$m))
      return new Map(tagged.$m.map((pair: unknown[]) => [decode(pair[0]), decode(pair[1])]));
    if (Array.isArray(tagged.$s)) return new Set(tagged.$s.map(decode));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(tagged)) out[k] = decode(v);
  return out;
}

/** A local venue's memory (none without a file): what it left, and what it records from now on. */
export interface VenueMemory {
  /** The entries kept by the last run (empty without a file or on a first start). */
  readonly loaded: ReadonlyMap<string, unknown>;
  /** Records entries before the request that changed them is answered; compacts now and then. */
  remember(entries: Iterable<readonly [string, unknown]>): void;
  /** Writes the whole state as the snapshot now (after a restore, and at close). */
  checkpoint(): void;
}

export function venueMemory(
  path: string | undefined,
  all: () => Iterable<readonly [string, unknown]>,
): VenueMemory {
  if (path === undefined)
    return { loaded: new Map(), remember: () => undefined, checkpoint: () => undefined };
  const journal = new StateJournal(path);
  return {
    loaded: journal.load(),
    remember(entries) {
      journal.put(entries);
      if (journal.journalWrites >= 5_000) journal.compact(all());
    },
    checkpoint: () => journal.compact(all()),
  };
}
