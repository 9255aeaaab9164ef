/**
 * The direction of dependencies (ADR 0009), checked by `make lint-deps` inside `make test`:
 *   schemas/, common/            at the bottom: import nothing of ours (schemas/ not even common/)
 *   projectors/                  schemas/ and common/; never api/, tools/, testing/, bench/
 *   api/                         schemas/, common/ and the read side of the read models
 *                                (projectors/*\/read-model.ts, analytics.ts, keys.ts, shared/status.ts, shared/history-item.ts)
 *   tools/ (verify, rebuild, chaos), testing/ (test support), bench/, infra/scripts/
 *                                anything below them but api/; nothing outside them imports them
 *   web/                         only itself, and the types of schemas/http-answers.ts (it builds on its own;
 *                                its tests also the contract's values, schemas/http-errors.ts)
 * No file outside api/ imports api/, tests and test support included: tests outside api/
 * drive the running API over HTTP (testing/api.ts); what needs the API's own code is under
 * api/ (the in-process app of its tests, api/test/support/; the script that writes schema
 * version 1's events, api/test/support/write-v1-events.ts; the bench's ledger phase,
 * api/bench/ledger-phase.ts), run as a child process by whoever needs it.
 */
const ours = '^(api|projectors|common|schemas|tools|testing|bench|infra|web)/';
const tests = '\\.test\\.tsx?$';

module.exports = {
  forbidden: [
    { name: 'schemas-import-nothing-of-ours', severity: 'error', from: { path: '^schemas/' }, to: { path: ours, pathNot: '^schemas/' } },
    { name: 'common-imports-nothing-of-ours', severity: 'error', from: { path: '^common/', pathNot: tests }, to: { path: ours, pathNot: '^common/' } },
    {
      name: 'projectors-never-import-api-or-tools', severity: 'error',
      from: { path: '^projectors/', pathNot: tests },
      to: { path: '^(api|tools|testing|bench|infra|web)/' },
    },
    {
      name: 'only-api-imports-api', severity: 'error',
      from: { pathNot: '^api/' },
      to: { path: '^api/' },
    },
    {
      name: 'api-reads-only-the-read-side', severity: 'error',
      from: { path: '^api/', pathNot: tests },
      to: {
        path: '^projectors/',
        pathNot: ['^projectors/[^/]+/read-model\\.ts$', '^projectors/clickhouse/(analytics|admin-search)\\.ts$', '^projectors/[^/]+/keys\\.ts$', '^projectors/shared/(status|history-item|redrive-protocol)\\.ts$'],
      },
    },
    { name: 'api-never-imports-tools', severity: 'error', from: { path: '^api/', pathNot: tests }, to: { path: '^(tools|testing|bench|infra|web)/' } },
    {
      name: 'nothing-imports-tools-or-test-support', severity: 'error',
      from: { pathNot: ['^tools/', '^testing/', tests, '^bench/'] },
      to: { path: '^(tools|testing)/' },
    },
    { name: 'only-tools-import-bench', severity: 'error', from: { pathNot: ['^bench/', '^tools/'] }, to: { path: '^bench/' } },
    // The console builds on its own: it takes from outside web/ only the types of the answers (erased at build).
    // Its tests are not built: they may take the contract's values too (schemas/http-errors.ts), never api/ (above).
    { name: 'web-is-on-its-own', severity: 'error', from: { path: '^web/', pathNot: tests }, to: { path: ours, pathNot: ['^web/', '^schemas/(http|lookup|admin|batch|dead-letter)-answers\\.ts$'] } },
    { name: 'web-takes-only-types', severity: 'error', from: { path: '^web/', pathNot: tests }, to: { path: '^schemas/', dependencyTypesNot: ['type-only'] } },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.stack|web/dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
