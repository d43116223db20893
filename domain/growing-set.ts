/**
 * An immutable set that grows one value at a time in O(1): `with(value)` returns a new set and
 * leaves this one as it was, without copying it.
 *
 * Why: an order's state keeps the trade ids it has counted (a fill is applied once, however often
 * it is reported), and each fill makes a new state. Copying a `Set` per fill made an order's n-th
 * fill cost O(n), so an order filled in thousands of pieces cost O(n²) in all.
 *
 * How: the versions that extend one another share their storage (the values in insertion order,
 * and each value's ordinal). A version holds its size and sees the values whose ordinal is below
 * it. Growing the newest version appends to the shared storage; growing an older one (a branch: a
 * decision retried on an earlier state) copies what that version sees first, so no version ever
 * sees a value added by another branch.
 */
export class GrowingSet<T> implements ReadonlySet<T> {
  readonly #values: T[];
  readonly #ordinals: Map<T, number>;
  readonly size: number;

  private constructor(values: T[], ordinals: Map<T, number>, size: number) {
    this.#values = values;
    this.#ordinals = ordinals;
    this.size = size;
  }

  static empty<T>(): GrowingSet<T> {
    return new GrowingSet<T>([], new Map(), 0);
  }

  static of<T>(values: Iterable<T>): GrowingSet<T> {
    let set = GrowingSet.empty<T>();
    for (const value of values) set = set.with(value);
    return set;
  }

  has(value: T): boolean {
    const ordinal = this.#ordinals.get(value);
    return ordinal !== undefined && ordinal < this.size;
  }

  /** This set with `value` added (this set itself when it has it already). */
  with(value: T): GrowingSet<T> {
    if (this.has(value)) return this;
    if (this.#values.length === this.size) {
      // The newest version of its storage: nothing beyond this size exists, so extend in place.
      this.#ordinals.set(value, this.size);
      this.#values.push(value);
      return new GrowingSet(this.#values, this.#ordinals, this.size + 1);
    }
    const values = this.#values.slice(0, this.size);
    const ordinals = new Map(values.map((v, i) => [v, i] as const));
    ordinals.set(value, values.length);
    values.push(value);
    return new GrowingSet(values, ordinals, values.length);
  }

  *values(): SetIterator<T> {
    for (let i = 0; i < this.size; i++) yield this.#values[i]!;
  }

  keys(): SetIterator<T> {
    return this.values();
  }

  *entries(): SetIterator<[T, T]> {
    for (const value of this.values()) yield [value, value];
  }

  [Symbol.iterator](): SetIterator<T> {
    return this.values();
  }

  forEach(callback: (value: T, key: T, set: ReadonlySet<T>) => void, thisArg?: unknown): void {
    for (const value of this.values()) callback.call(thisArg, value, value, this);
  }
}
