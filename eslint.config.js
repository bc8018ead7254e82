// Lint, the layer rule of docs/architecture.md §2 (a file's folder says which runtime it needs) and the
// domain rule of the same section (a domain of main/core reaches another only through its index); an import that breaks
// either fails `npm test`.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [...builtinModules, ...builtinModules.map((name) => `node:${name}`), 'node:*'];

const node = { name: NODE_BUILTINS, message: 'This layer runs outside Node (docs/architecture.md §2): no Node modules.' };
const electron = { group: ['electron', 'electron/*'], message: 'Only main/desktop and preload may import electron (docs/architecture.md §2).' };
const folder = (name, why) => ({ group: [`**/${name}/**`, `**/${name}`], message: `${why} (docs/architecture.md §2)` });
/** main/core reached through its path alias (tsconfig.json), for the layers that may not import it. */
const core = (why) => ({ group: ['@core', '@core/**'], message: `${why} (docs/architecture.md §2)` });
/** Another layer is imported by its path alias (tsconfig.json), not by climbing folders. */
const viaAlias = (folder, alias) => ({
  regex: `^(\\.\\./)+${folder}(/|$)`,
  message: `Import ${folder}/ as ${alias}/… (the path alias in tsconfig.json), not by climbing folders (docs/architecture.md §2).`,
});
const SHARED_BY_ALIAS = viaAlias('shared', '@shared');
const CORE_BY_ALIAS = viaAlias('core', '@core');

/**
 * The domains of main/core. Each reaches another only through that domain's index.ts, what it exports
 * for the others (its service, its stores' reads), never its tables or internals. The spine (api/, the
 * router and the handler table; db/, which gathers every table for the schema) and the core's own
 * helpers (clock, csv, events, logging, metrics, …) are open to all. Tests and test support may reach
 * anything, to plant and inspect; a table (table.ts, or table.pg.ts for PostgreSQL) may name another domain's table for a foreign key.
 */
const DOMAINS = ['alerts', 'audit', 'auth', 'health', 'jobs', 'operations', 'reports', 'schedules', 'servers', 'settings', 'updates', 'vault'];
const TESTS = ['**/*.test.ts', '**/*.test.tsx', '**/testing/**'];
const domainInternals = (domain, others) => ({
  regex: `^(@core/|(\\.\\./)+)(${others.join('|')})/`,
  message: `A domain reaches another only through its index: import '../<domain>', not a file inside it; export what ${domain}/ needs from that domain's index.ts (docs/architecture.md §2).`,
});

/** Which imports each folder refuses: the layer table. */
const LAYERS = [
  {
    files: ['shared/**'],
    paths: NODE_BUILTINS,
    patterns: [
      electron,
      folder('main', 'shared/ is imported by everyone and imports only shared/.'),
      core('shared/ is imported by everyone and imports only shared/.'),
      folder('renderer', 'shared/ imports only shared/.'),
      folder('preload', 'shared/ imports only shared/.'),
    ],
  },
  {
    files: ['main/core/**'],
    patterns: [
      SHARED_BY_ALIAS,
      electron,
      folder('desktop', 'main/core never depends on a transport.'),
      folder('headless', 'main/core never depends on a transport.'),
      folder('renderer', 'main/core never imports the UI.'),
      folder('preload', 'main/core never imports the preload.'),
    ],
  },
  {
    files: ['main/headless/**'],
    patterns: [
      SHARED_BY_ALIAS,
      CORE_BY_ALIAS,
      electron,
      folder('desktop', 'main/headless runs without Electron.'),
      folder('renderer', 'main/headless serves the built UI; it never imports it.'),
      folder('preload', 'main/headless never imports the preload.'),
    ],
  },
  {
    files: ['main/desktop/**'],
    patterns: [
      SHARED_BY_ALIAS,
      CORE_BY_ALIAS,
      folder('headless', 'main/desktop and main/headless are separate transports.'),
      folder('renderer', 'main/desktop never imports the UI.'),
    ],
  },
  {
    files: ['preload/**'],
    paths: NODE_BUILTINS,
    patterns: [
      SHARED_BY_ALIAS,
      folder('main', 'The preload is sandboxed: shared/ types and electron only.'),
      core('The preload is sandboxed: shared/ types and electron only.'),
      folder('renderer', 'The preload never imports the UI.'),
    ],
  },
  {
    files: ['bench/**', 'e2e/**', 'main/*.ts'],
    patterns: [SHARED_BY_ALIAS, { ...viaAlias('main/core', '@core'), regex: '^(\\./|(\\.\\./)+)main/core(/|$)' }],
  },
  {
    files: ['renderer/**'],
    paths: NODE_BUILTINS,
    patterns: [
      SHARED_BY_ALIAS,
      electron,
      folder('main', 'The renderer reaches the core only through the contract.'),
      core('The renderer reaches the core only through the contract.'),
      folder('preload', 'The renderer uses window.guardian, never the preload module.'),
    ],
  },
];

const CORE_LAYER = LAYERS.find(({ files }) => files[0] === 'main/core/**');

/** The layer table's main/core patterns plus the domain rule, for a domain's product files (one rule entry, as ESLint keeps only the last). */
const DOMAIN_RULES = DOMAINS.flatMap((domain) => {
  const others = DOMAINS.filter((other) => other !== domain);
  const rule = (patterns) => ({ 'no-restricted-imports': ['error', { patterns: [...CORE_LAYER.patterns, ...patterns] }] });
  return [
    { files: [`main/core/${domain}/**`], ignores: TESTS, rules: rule([domainInternals(domain, others)]) },
    {
      files: [`main/core/${domain}/table.ts`, `main/core/${domain}/table.pg.ts`],
      rules: rule([{ ...domainInternals(domain, others), regex: `^(\\.\\./)+(${others.join('|')})/(?!table(\\.pg)?$)` }]),
    },
  ];
});

export default tseslint.config(
  // The last two: the bundled config file a build (electron-vite, Vite) writes beside its config
  // while it runs and deletes after, which a lint running beside the build would try to read.
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'e2e/artifacts/**',
      'test-results/**',
      'playwright-report/**',
      '.reports/**',
      'main/core/db/migrations/**',
      'main/core/db/migrations-pg/**',
      '.ci/.stryker-tmp/**',
      '.ci/mutation/**',
      '*.config.ts.*.mjs',
      '*.config.ts.timestamp-*',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['renderer/**'], languageOptions: { globals: { ...globals.browser } } },
  ...LAYERS.map(({ files, paths = [], patterns }) => ({
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: paths.filter((name) => name !== 'node:*').map((name) => ({ name, message: node.message })),
          patterns: [...patterns, ...(paths.length ? [{ group: ['node:*'], message: node.message }] : [])],
        },
      ],
    },
  })),
  ...DOMAIN_RULES,
);
