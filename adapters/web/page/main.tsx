import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Session, SessionSchema } from '../../http/api-schemas.ts';
import { api, describeError, hasToken, signIn, signOut } from './api.ts';
import { Blotter } from './pages/blotter.tsx';
import { Breaks } from './pages/breaks.tsx';
import { Health } from './pages/health.tsx';
import { OrderPage } from './pages/order.tsx';
import { Pnl } from './pages/pnl.tsx';
import { Positions } from './pages/positions.tsx';
import './styles.css';
import './tables.css';

/** The page's places, in the URL's fragment (never sent to the server, never holds the token). */
const PAGES = [
  { path: 'blotter', title: 'Blotter' },
  { path: 'positions', title: 'Positions' },
  { path: 'pnl', title: 'PnL' },
  { path: 'breaks', title: 'Breaks' },
  { path: 'health', title: 'Health' },
] as const;

const currentRoute = () => (location.hash.replace(/^#\/?/, '') || 'blotter').split('/');

function useRoute(): string[] {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const changed = () => setRoute(currentRoute());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const field = form.elements.namedItem('token') as HTMLInputElement;
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(field.value));
      field.value = '';
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>OMS back office</h1>
      <form onSubmit={submit} aria-describedby="sign-in-help">
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required minLength={16} />
        <p id="sign-in-help" class="hint">
          One of the service's named tokens (OMS_API_TOKENS, or the one <code>npm start</code> printed). It is
          kept in this tab only and sent in the Authorization header, never in a URL.
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useRoute();
  const [page, id] = route;
  const heading = useRef<HTMLDivElement>(null);
  // Keyboard and screen-reader users land on the new page's content after navigating.
  useEffect(() => heading.current?.focus(), [page, id]);
  return (
    <>
      <button type="button" class="skip" onClick={() => heading.current?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <span class="brand">OMS back office</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <a href={`#/${p.path}`} aria-current={page === p.path ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who" data-testid="who">
          {session.name} ({session.role.replace('_', '-')})
        </span>
        <button type="button" class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" ref={heading} tabIndex={-1}>
        {page === 'orders' && id ? (
          <OrderPage orderId={id} session={session} />
        ) : page === 'positions' ? (
          <Positions />
        ) : page === 'pnl' ? (
          <Pnl />
        ) : page === 'breaks' ? (
          <Breaks session={session} />
        ) : page === 'health' ? (
          <Health session={session} />
        ) : (
          <Blotter session={session} />
        )}
      </main>
    </>
  );
}

function App() {
  const [session, setSession] = useState<Session>();
  const [restoring, setRestoring] = useState(hasToken());
  useEffect(() => {
    if (!hasToken()) return;
    // A reload: the token kept in this tab is checked again (it may have been revoked).
    api(SessionSchema, '/v1/session')
      .then(setSession)
      .catch(signOut)
      .finally(() => setRestoring(false));
  }, []);
  if (restoring) return <p aria-busy="true">Signing in…</p>;
  if (!session) return <SignIn onSignedIn={setSession} />;
  return (
    <Shell
      session={session}
      onSignOut={() => {
        signOut();
        setSession(undefined);
      }}
    />
  );
}

render(<App />, document.getElementById('app')!);
