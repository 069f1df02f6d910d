// Lint setup: typescript-eslint's recommended rules over all TypeScript; generated output ignored. The layering
// of the project is enforced here, not by habit: each layer names the imports it may not make (see
// electron/layering-lint.test.ts, which lints a deliberate violation of each rule).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import rules, each a regex over the import specifier and the reason a person reads. */
const rules = {
  coreWithoutElectron: [
    { regex: '^electron$', message: 'electron/core runs without Electron (it is tested headless); Electron code belongs in electron/main.' },
    { regex: '^(\\.\\./)+(main|preload|server)/', message: 'electron/core never imports the shells (electron/main, preload, server); they import the core.' },
    { regex: '(^|/)renderer/', message: 'electron/core never imports the renderer; the renderer imports the contracts.' },
  ],
  rendererThroughContracts: [
    { regex: '^electron$', message: 'the renderer reaches Electron only through the preload bridge (window.mediafleet).' },
    { regex: 'electron/(main|preload|server)/', message: 'the renderer never imports the shells; it talks to the console through its transport.' },
    { regex: 'electron/core/(?!contracts/|api\\.js$)', message: 'the renderer reaches the console core only through the contracts (electron/core/contracts/*, electron/core/api.js).' },
    { regex: '^#agent/(?!contracts/)', message: "the renderer may use the agent's contracts (#agent/contracts/*), never its code." },
  ],
  productionWithoutHarness: [{ regex: '(^|/)test-harness/', message: 'production code never imports the test harness (test-harness/ is for tests, benchmarks and e2e).' }],
  agentWithoutConsole: [
    { regex: '^electron$', message: 'the agent runs on servers without Electron.' },
    { regex: '(^|/)(electron|renderer)/', message: 'the agent never imports the console (electron/, renderer/).' },
  ],
  agentThroughAlias: [{ regex: '(\\.\\./)+agent/src/', message: "import the agent's modules through the #agent/* alias (package.json imports), not a relative path." }],
};

const tests = ['**/*.test.ts', '**/*.test.tsx'];
const layer = (files, ignores, ...sets) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { patterns: sets.flat() }] },
});

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', '**/dist/**', 'coverage/', 'e2e/screenshots/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // One config object per file group, since a later object replaces a rule's options rather than merging them.
  layer(['electron/core/**/*.ts'], tests, rules.coreWithoutElectron, rules.productionWithoutHarness, rules.agentThroughAlias),
  layer(tests.map((t) => `electron/core/${t}`), [], rules.coreWithoutElectron, rules.agentThroughAlias),
  layer(['electron/main/**/*.ts', 'electron/preload/**/*.ts', 'electron/server/**/*.ts'], tests, rules.productionWithoutHarness, rules.agentThroughAlias),
  layer(['renderer/src/**/*.ts', 'renderer/src/**/*.tsx'], tests, rules.rendererThroughContracts, rules.productionWithoutHarness, rules.agentThroughAlias),
  layer(tests.map((t) => `renderer/src/${t}`), [], rules.rendererThroughContracts, rules.agentThroughAlias),
  layer(['agent/src/**/*.ts'], tests, rules.agentWithoutConsole, rules.productionWithoutHarness),
  layer(['agent/**/*.test.ts', 'agent/test/**/*.ts', 'agent/bench/**/*.ts'], [], rules.agentWithoutConsole),
);
