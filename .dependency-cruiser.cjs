// The layer rule (docs/conventions.md): dependencies point inward, and only the composition root
// wires adapters into the application. Checked by test/architecture.unit.test.ts on every run and by
// `npm run lint:layers`.
//
//   domain  <-  application  <-  projections
//                    ^                ^
//                adapters  ------------   (adapters/composition wires them all)
//   simulators -> domain only (their own reading of the venue documents); only
//   adapters/composition starts them
//   adapters/web/page -> the browser bundle: the API's schema modules, domain, its libraries only

const LIBRARY_PORTS =
  'node_modules/(pg|pg-copy-streams|@electric-sql|@eventstore|fastify|ws|commander|lossless-json)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'The domain imports only decimal.js, zod and other domain files: no I/O, no layer above it.',
      severity: 'error',
      from: { path: '^domain/' },
      to: { pathNot: ['^domain/', '^node_modules/(zod|decimal\\.js)/'] },
    },
    {
      name: 'application-points-inward',
      comment: 'The application sees the outside only through its ports (application/ports).',
      severity: 'error',
      from: { path: '^application/' },
      to: { path: ['^(adapters|projections|simulators|bench|test)/', `^${LIBRARY_PORTS}`] },
    },
    {
      name: 'projections-point-inward',
      comment: 'Projections read events through the event-store port; adapters hand them their database.',
      severity: 'error',
      from: { path: '^projections/' },
      to: { path: ['^(adapters|simulators|bench|test)/', '^application/(?!ports/|support/)'] },
    },
    {
      name: 'simulators-are-independent',
      comment:
        'The local venues read the venue documents themselves: never the client adapters, schemas or signing.',
      severity: 'error',
      from: { path: '^simulators/' },
      to: { path: '^(application|adapters|projections|bench|test)/' },
    },
    {
      name: 'only-the-root-starts-simulators',
      comment:
        'A local venue is started by the composition root (npm start with a venue in local mode), never reached by another adapter.',
      severity: 'error',
      from: { path: '^adapters/', pathNot: '^adapters/composition/' },
      to: { path: '^simulators/' },
    },
    {
      name: 'one-composition-root',
      comment: 'Only adapters/composition (and the CLI that starts it) may import the composition root.',
      severity: 'error',
      from: { path: '^(adapters|projections|application|domain)/', pathNot: '^adapters/(composition|cli)/' },
      to: { path: '^adapters/composition/' },
    },
    {
      name: 'only-the-root-starts-the-application',
      comment: 'The application is started (its parts wired to adapters) in the composition root only.',
      severity: 'error',
      from: { path: '^adapters/', pathNot: '^adapters/composition/' },
      to: { path: '^application/service\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'driving-adapters-do-not-reach-driven-ones',
      comment: 'The HTTP API, the CLI and the configuration use the application, not the stores or venues.',
      severity: 'error',
      from: { path: '^adapters/(http|config)/' },
      to: { path: '^adapters/(venues|event-store|sql)/' },
    },
    {
      name: 'driven-adapters-stay-apart',
      comment: 'An event store, a venue and the SQL layer do not import each other or the driving adapters.',
      severity: 'error',
      from: { path: '^adapters/(venues|event-store|sql)/' },
      to: { path: '^adapters/(http|cli|config|composition)/' },
    },
    {
      name: 'venues-stay-apart',
      comment: 'One venue adapter never imports another (shared pieces live in adapters/venues/*.ts).',
      severity: 'error',
      from: { path: '^adapters/venues/(deribit|bitget)/' },
      to: { path: '^adapters/venues/(deribit|bitget)/', pathNot: '^adapters/venues/$1/' },
    },
    {
      name: 'web-page-imports-browser-code-only',
      comment:
        'The web page (adapters/web/page) is bundled for the browser: it reads the API through the schemas the routes declare (application/, domain/, the API schema, error and role modules) and uses Preact, Chart.js, zod and decimal.js; never Node built-ins or server code.',
      severity: 'error',
      from: { path: '^adapters/web/page/' },
      to: {
        pathNot: [
          '^adapters/web/page/',
          '^adapters/http/(api-schemas|errors|roles)\\.ts$',
          '^application/(ports/queries|orders/(order-view|requests|marked-positions))\\.ts$',
          '^domain/',
          '^node_modules/(preact|chart\\.js|zod|decimal\\.js)/',
        ],
      },
    },
    {
      name: 'web-page-reaches-no-server-code',
      comment:
        'What the page imports must not pull server code into the bundle, even indirectly. (This follows type-only imports too, which the bundle erases: Node built-ins reached that way are fine, and the page build itself refuses any built-in that a bundled module imports, see adapters/web/vite.config.ts.)',
      severity: 'error',
      from: { path: '^adapters/web/page/' },
      to: {
        reachable: true,
        path: [
          `^${LIBRARY_PORTS}`,
          '^node_modules/(pino|rxjs|@fastify|pg)/',
          '^(adapters/(sql|event-store|venues|composition|cli|config)|projections|simulators)/',
          '^adapters/http/(server|routes|auth|web-routes)\\.ts$',
        ],
      },
    },
    {
      name: 'no-venue-in-stores',
      severity: 'error',
      from: { path: '^adapters/event-store/' },
      to: { path: '^adapters/venues/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.data|dist)/' },
    tsPreCompilationDeps: true,
    // Worktrees share one node_modules through a symlink: keep library paths as imported.
    preserveSymlinks: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
