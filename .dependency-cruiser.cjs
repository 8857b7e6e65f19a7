// The layers, checked on every `npm run lint` (and so in CI): the platform never imports a
// system, no system imports another, and no import cycle anywhere. See docs/architecture.md.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'An import cycle: modules that need each other cannot be understood, tested or loaded lazily one by one.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'platform-imports-no-system',
      severity: 'error',
      comment:
        'The platform serves every system and knows none: systems meet it only in src/app.ts and src/main.ts.',
      // Tests of the platform may build it with every system (that is what they check).
      from: { path: '^src/(platform/|config\\.ts)', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/systems/' },
    },
    {
      name: 'systems-import-no-other-system',
      severity: 'error',
      comment: 'Systems never import each other; shared code belongs in src/platform/.',
      from: { path: '^src/systems/([^/]+)/' },
      to: { path: '^src/systems/[^/]+/', pathNot: ['^src/systems/$1/'] },
    },
    {
      name: 'pages-import-no-server',
      severity: 'error',
      comment:
        "Pages run in the browser: web/<system>[-…]/ may import its own system's pure modules and types, and the CSV header reader; nothing else of src/.",
      from: { path: '^web/([a-z]+)[^/]*/' },
      // The one pure platform module a page shares: reading a CSV header line (the diffing page
      // reads an upload's header in the browser with the same code the server uses).
      to: { path: '^src/', pathNot: ['^src/systems/$1/', '^src/platform/csv/header-line\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|build|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
