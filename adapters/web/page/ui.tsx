import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { describeError } from './api.ts';

/** Loads something on mount and when `deps` change; `reload` loads again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const reload = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => setState({ data, loading: false }),
      (error: unknown) => setState({ error: describeError(error), loading: false }),
    );
  }, deps);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

/** What is loading, what failed, or the content. */
export function Loaded<T>({
  state,
  children,
}: {
  state: { data?: T; error?: string; loading: boolean };
  children: (data: T) => ComponentChildren;
}) {
  if (state.error !== undefined)
    return (
      <p role="alert" class="error">
        {state.error}
      </p>
    );
  if (state.data === undefined) return <p aria-busy="true">Loading…</p>;
  return <>{children(state.data)}</>;
}

/** A decimal string as the API gave it (exact), aligned right; a dash for none. */
export const Num = ({ value, signed }: { value: string | null | undefined; signed?: boolean }) => (
  <span class={`num${signed && value?.startsWith('-') ? ' neg' : ''}`}>{value ?? '–'}</span>
);

/** A time as the user reads it (UTC, to the millisecond), with the exact ISO text as its datetime. */
export const Time = ({ value }: { value: string | null | undefined }) =>
  value ? (
    <time dateTime={value} title={value}>
      {value.replace('T', ' ').replace(/Z$/, '')}
    </time>
  ) : (
    <span>–</span>
  );

/** The outcome of an action: what the API said, for screen readers too. */
export function Outcome({ message }: { message: { ok: boolean; text: string } | undefined }) {
  if (!message) return null;
  return (
    <p role={message.ok ? 'status' : 'alert'} class={message.ok ? 'ok' : 'error'}>
      {message.text}
    </p>
  );
}

/**
 * A wide table's box: it scrolls sideways on a narrow screen, so it takes keyboard focus (arrow
 * keys scroll it) and is named for screen readers.
 */
export function ScrollBox({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1)
    <section class="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
