import type { App } from '../composition/root.ts';
import type { Config } from '../config/config.ts';
import type { Output } from './client-commands.ts';

/** Starts the service and tells the user where to look, the token, and how to place an order. */
export async function serve(config: Config, output: Output): Promise<App> {
  // The composition root (stores, venues, HTTP server) is loaded only by the commands that need it:
  // the client commands stay light (`oms export` runs in constant, small memory).
  const { startApp } = await import('../composition/root.ts');
  // The web page's bundle: built now when missing or stale (a fresh clone's `npm ci` built it already).
  const { ensurePageBuilt } = await import('../web/build.ts');
  const page = await ensurePageBuilt();
  const app = await startApp(config, page.built ? { pageRoot: page.root } : {});
  const { url } = app;
  // A token the operator configured is not echoed (output ends up in logs); a generated one is
  // shown, since nobody else knows it.
  const configured = app.tokenSource === 'configured';
  const token = configured ? '$OMS_API_TOKEN' : app.token;
  const lines = [
    '',
    'OMS is running.',
    page.built
      ? `  Web page   ${url}/   (sign in with an API token: the one below, or a named one of OMS_API_TOKENS)`
      : `  Web page   not served: ${page.reason}`,
    `  API        ${url}   (OpenAPI document: ${url}/v1/openapi.json)`,
    `  Token      ${configured ? 'the value of OMS_API_TOKEN (not shown)' : `${token}${config.store.kind === 'embedded' ? ` (kept in ${config.store.dataDir}/api-token)` : ' (generated for this run: set OMS_API_TOKEN to fix it)'}`}`,
    `  Store      ${describeStore(config)}`,
    `  Venues     ${describeVenues(config, app)}`,
    '',
    'Place an order:',
    `  curl -s -X POST ${url}/v1/orders -H "Authorization: Bearer ${token}" -H "Content-Type: application/json" \\`,
    `    -d '{"venue":"deribit","symbol":"BTC-PERPETUAL","side":"buy","type":"market","amount":"100"}'`,
    '  or: npm run oms -- place --venue deribit --symbol BTC-PERPETUAL --side buy --type market --amount 100',
    '',
    'Then: npm run oms -- positions, npm run oms -- orders, or the whole tour: npm run demo',
    'Stop with Ctrl-C.',
    '',
  ];
  output.out(`${lines.join('\n')}\n`);
  return app;
}

function describeStore(config: Config): string {
  switch (config.store.kind) {
    case 'embedded':
      return `embedded PostgreSQL (PGlite) in ${config.store.dataDir}: survives a killed process, not an OS crash or power loss`;
    case 'postgres':
      return `PostgreSQL (${config.store.databaseUrl.replace(/\/\/[^@]*@/, '//')})`;
    case 'eventstoredb':
      return `EventStoreDB (${config.store.connectionString.replace(/\/\/[^@]*@/, '//')}); read models in PostgreSQL`;
  }
}

function describeVenues(config: Config, app: App): string {
  const d = config.venues.deribit;
  const b = config.venues.bitget;
  const accounts = (list: readonly { account: string }[]) =>
    `account${list.length === 1 ? '' : 's'} ${list.map((a) => a.account).join(', ')}`;
  const deribit =
    d.mode === 'off'
      ? 'Deribit off'
      : d.mode === 'local'
        ? `local Deribit (${app.simulators.deribit?.httpUrl}; ${accounts(d.accounts)})`
        : `Deribit ${d.mode} (${accounts(d.accounts)})`;
  const bitget =
    b.mode === 'off'
      ? 'Bitget off'
      : b.mode === 'local'
        ? `local Bitget (${app.simulators.bitget?.restUrl}, ${b.positionMode}; ${accounts(b.accounts)})`
        : `Bitget ${b.mode} (${accounts(b.accounts)})`;
  return `${deribit}; ${bitget}`;
}
