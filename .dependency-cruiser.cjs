/**
 * The walls of the house, checked by `npm run lint` (`depcruise`). Each rule names the rooms it
 * separates; a broken wall fails the lint with the rule's name and the offending import.
 *
 * Rooms: lib/domain (pure logic), lib/ports (interfaces), lib/use-cases (steps over ports),
 * lib/adapters (AWS, ccxt), functions/ (Lambda wiring), infra/ (CDK), lib/local (the local
 * Lambda/SQS runtime), lib/simulator (the exchange simulator), lib/cli (npm-script entries).
 */
/** AWS, Lambda tooling, CDK and exchange packages: what pure logic and use cases never load. */
const platformPackages =
  '^node_modules/(@aws-sdk|@aws-lambda-powertools|@middy|ccxt|aws-cdk-lib|constructs)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment:
        'lib/domain is pure logic: no adapter, use case, handler, infra, runtime, CLI or I/O.',
      severity: 'error',
      from: { path: '^lib/domain/' },
      to: {
        path: [
          '^lib/(adapters|use-cases|local|cli|simulator|backtest|report|cost)/',
          '^functions/',
          '^infra/',
          platformPackages,
        ],
      },
    },
    {
      name: 'domain-no-node-io',
      comment: 'lib/domain reads no clock, file, network or environment.',
      severity: 'error',
      from: { path: '^lib/domain/' },
      to: { dependencyTypes: ['core'], path: '^(fs|http|https|net|child_process|worker_threads)' },
    },
    {
      name: 'ports-are-interfaces',
      comment: 'lib/ports names what the use cases need; it depends on the domain only.',
      severity: 'error',
      from: { path: '^lib/ports/' },
      to: { path: '^(lib/(?!domain/|ports/|metrics/)|functions/|infra/|node_modules/)' },
    },
    {
      name: 'use-cases-get-ports',
      comment: 'Use cases get adapters injected as ports; they never import one.',
      severity: 'error',
      from: { path: '^lib/use-cases/' },
      to: {
        path: [
          '^lib/(adapters|local|cli|simulator|backtest|report)/',
          '^functions/',
          '^infra/',
          platformPackages,
        ],
      },
    },
    {
      name: 'adapters-serve-ports',
      comment: 'Adapters implement ports; they do not call use cases, handlers or local rooms.',
      severity: 'error',
      from: { path: '^lib/adapters/' },
      to: {
        path: '^(lib/(use-cases|handlers|local|cli|simulator|backtest|report)/|functions/|infra/)',
      },
    },
    {
      name: 'deployed-code-has-no-local-parts',
      comment:
        'functions/ and the handler pieces in lib/handlers are what Lambda runs: nothing of the ' +
        'local runtime, the CLI or the simulator.',
      severity: 'error',
      from: { path: '^(functions|lib/handlers)/' },
      to: {
        path: [
          '^lib/(local|cli|simulator|backtest|report|cost|market-data)/',
          '^infra/',
          '^test/',
          '^bench/',
        ],
      },
    },
    {
      name: 'deployed-code-reaches-no-local-parts',
      comment: 'Nothing a handler can reach may pull in a local room, even indirectly.',
      severity: 'error',
      from: { path: '^(functions|lib/handlers)/' },
      to: { reachable: true, path: '^lib/(local|cli|simulator)/' },
    },
    {
      name: 'deployed-trade-holds-one-exchange',
      comment:
        "A trade function's entry reaches its own exchange's ccxt client alone, never another's " +
        'or the table of all of them: each exchange class adds hundreds of KB to a cold start.',
      severity: 'error',
      from: { path: '^functions/trade-([a-z]+)\\.ts$' },
      to: {
        reachable: true,
        path: '^lib/adapters/exchanges/([a-z]+-client|clients)\\.ts$',
        pathNot: '^lib/adapters/exchanges/$1-client\\.ts$',
      },
    },
    {
      name: 'handlers-hold-no-exchange-class',
      comment: 'The handler pieces serve every exchange: the entry hands them its client factory.',
      severity: 'error',
      from: { path: '^(lib/handlers/|functions/(fan-out|notifier)\\.ts$)' },
      to: { reachable: true, path: '^lib/adapters/exchanges/([a-z]+-client|clients)\\.ts$' },
    },
    {
      name: 'simulator-knows-no-tickfan',
      comment:
        'The exchange simulator stands in for an exchange: it knows candles and clocks, never ' +
        'the adapters, use cases, handlers or the local runtime that talk to it.',
      severity: 'error',
      from: { path: '^lib/simulator/' },
      to: {
        path: '^(lib/(adapters|use-cases|local|cli|backtest|report|cost)/|functions/|infra/)',
      },
    },
    {
      name: 'simulator-engine-knows-no-wire',
      comment:
        "The simulator's matching engine serves every exchange's wire: it never imports a wire, " +
        'the HTTP server or the facade built on them.',
      severity: 'error',
      from: { path: '^lib/simulator/(matching-engine|sim-markets|faults)\\.ts$' },
      to: { path: '^lib/simulator/([a-z-]+-wire|wire|http-server|exchange-simulator)\\.ts$' },
    },
    {
      name: 'infra-deploys-no-local-parts',
      comment: 'The CDK app builds the stack from config; it never loads a local room.',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: '^lib/(local|cli|simulator|backtest|report)/' },
    },
    {
      name: 'only-cli-and-tests-reach-cli',
      comment: 'lib/cli holds the npm-script entries; no room below it imports it.',
      severity: 'error',
      from: { path: '^(lib/(?!cli/)|functions/|infra/)' },
      to: { path: '^lib/cli/' },
    },
    {
      name: 'lib-never-reaches-tests-or-bench',
      severity: 'error',
      from: { path: '^(lib|functions|infra)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'No module cycles.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'No cycles between folders (rooms) either.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^(lib|functions|infra|bench)/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      // @types/aws-lambda gives types only; there is no aws-lambda module to resolve.
      to: { couldNotResolve: true, pathNot: '^aws-lambda$' },
    },
    {
      name: 'no-undeclared-dependency',
      comment: 'Every package a deployed or local module imports is declared in package.json.',
      severity: 'error',
      from: { path: '^(lib|functions|infra|bench)/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'deployed-code-uses-no-dev-dependency',
      comment: 'A dev dependency is not installed in a deployed bundle.',
      severity: 'error',
      from: {
        path: '^(functions|lib/(domain|ports|use-cases|adapters|handlers|config|metrics|stats))/',
      },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(cdk\\.out|\\.tickfan|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
