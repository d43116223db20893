/**
 * A query's `where` from optional filters: each filter is a clause whose `$` placeholders take its
 * values in turn; a filter whose first value is undefined is left out.
 */
export type Filter = readonly [clause: string, ...values: unknown[]];

export function whereClause(filters: readonly Filter[]): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const clauses: string[] = [];
  for (const [clause, ...values] of filters) {
    if (values[0] === undefined) continue;
    let i = 0;
    clauses.push(
      clause.replace(/\$/g, () => {
        params.push(values[i++]);
        return `$${params.length}`;
      }),
    );
  }
  return { where: clauses.length > 0 ? `where ${clauses.join(' and ')}` : '', params };
}
