/**
 * The layer order of src/, lowest first. A file may import its own layer and the layers below it,
 * never one above (README, "Layers"). `npm test` runs this before the test suites.
 *
 *   config → common → observability → auth → database → features → http → app
 */
const FEATURES = [
  'activity',
  'assignments',
  'campaigns',
  'dashboard',
  'health',
  'metrics',
  'onboarding',
  'organizations',
  'privacy',
  'scheduling',
  'users',
  'webhook-logs',
  'webhooks',
];
const LAYERS = [
  ['config', '^src/config/'],
  ['common', '^src/common/'],
  ['observability', '^src/observability/'],
  ['auth', '^src/auth/'],
  ['database', '^src/database/'],
  ['features', `^src/(${FEATURES.join('|')})/`],
  ['http', '^src/http/'],
  ['app', '^src/[^/]+\\.ts$'],
];

/**
 * What one feature may use of another: what its Nest module exports (modules, services,
 * repositories, injectable limiters), its entities and DTOs, and the few shared declarations named
 * here. Anything else of a feature is its own.
 */
const FEATURE_SURFACE = [
  '\\.(module|service|repository|entity)\\.ts$',
  '/dto/',
  '^src/webhook-logs/export-limiter\\.ts$',
  '^src/scheduling/daily-job\\.ts$',
  '^src/webhooks/event-types\\.ts$',
];

const upward = LAYERS.flatMap(([name, path], i) =>
  LAYERS.slice(i + 1).map(([above, abovePath]) => ({
    name: `${name}-not-above-${above}`,
    comment: `${name} sits below ${above}: it may not import it (layer order: ${LAYERS.map(([n]) => n).join(' → ')})`,
    severity: 'error',
    from: { path },
    to: { path: abovePath },
  })),
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycle, type-only imports included.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...upward,
    {
      name: 'features-through-their-surface',
      comment: "A feature uses another only through what that one's module exports, its entities and DTOs.",
      severity: 'error',
      from: { path: `^src/(${FEATURES.join('|')})/` },
      to: { path: `^src/(${FEATURES.join('|')})/`, pathNot: ['^src/$1/', ...FEATURE_SURFACE] },
    },
    {
      name: 'repositories-return-rows',
      comment: 'A repository returns row types; its service maps them to the DTOs the API answers with.',
      severity: 'error',
      from: { path: '\\.(repository|sql)\\.ts$' },
      to: { path: '(/dto/|\\.dto\\.ts$)' },
    },
    {
      name: 'migrations-stand-alone',
      comment: 'A migration reads no other migration (a copy of an older text, frozen, keeps history as it ran) and nothing of src/ that may change.',
      severity: 'error',
      from: { path: '^migrations/' },
      to: { path: '^(migrations|src)/' },
    },
    {
      name: 'no-src-to-test',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
