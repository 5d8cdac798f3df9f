/**
 * The one-way import rule (docs/architecture.md): web -> http -> app -> core; store adapters -> ports + core.
 * Checked here so that CI, not memory, keeps the layers apart.
 */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'src/core imports nothing outside src/core: no I/O, no clock, no other layer.',
      severity: 'error',
      from: { path: '^src/core/', pathNot: '\\.test\\.ts$' },
      to: { pathNot: ['^src/core/', '^node_modules/(zod|iso-3166-1)/'] },
    },
    {
      name: 'core-no-node-builtins',
      comment: 'src/core uses no Node.js built-in module (fs, crypto, net...): it stays portable and deterministic.',
      severity: 'error',
      from: { path: '^src/core/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'adapters-use-ports-and-core',
      comment: 'A store adapter imports only the store ports, the core and its own folder.',
      severity: 'error',
      from: { path: '^src/store/([^/]+)/' },
      to: {
        path: '^src/',
        pathNot: ['^src/store/(ports|identities|rows|changes|derivation-body)\\.ts$', '^src/core/', '^src/store/$1/'],
      },
    },
    {
      name: 'delivery-adapters-use-the-port',
      comment:
        'A notice delivery adapter imports only its port (app/notice-delivery.ts), the store port types and the core.',
      severity: 'error',
      from: { path: '^src/delivery/' },
      to: {
        path: '^src/',
        pathNot: ['^src/core/', '^src/store/ports\\.ts$', '^src/app/notice-delivery\\.ts$', '^src/delivery/'],
      },
    },
    {
      name: 'stream-adapters-use-the-port',
      comment:
        'A change stream adapter imports only its port (app/change-stream.ts), the store port types and the core.',
      severity: 'error',
      from: { path: '^src/stream/' },
      to: {
        path: '^src/',
        pathNot: ['^src/core/', '^src/store/ports\\.ts$', '^src/app/change-stream\\.ts$', '^src/stream/'],
      },
    },
    {
      name: 'app-below-interfaces',
      comment: 'src/app uses ports and core, never an adapter, http, cli or web.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: ['^src/store/[^/]+/', '^src/(http|cli|web|delivery|index|stream)/'] },
    },
    {
      name: 'nothing-below-imports-interfaces',
      comment: 'Nothing below the interfaces imports http, cli or web.',
      severity: 'error',
      from: { path: '^src/(core|app|store|index|delivery|stream)/' },
      to: { path: '^src/(http|cli|web)/' },
    },
    {
      name: 'web-talks-to-http',
      comment:
        'src/web (the browser app) reaches the service only over HTTP; it may share the pure core (identifier checks, limits) and nothing else of src.',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: '^src/', pathNot: ['^src/web/', '^src/core/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
