import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const NO_ELECTRON = { name: 'electron', message: 'relay/ must not import electron; adapt it in main/.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The headless core must run in plain Node, where importing electron tries a download and throws.
    files: ['relay/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [NO_ELECTRON] }],
    },
  },
  {
    // Layers: relay/core assembles the parts and relay/local serves them, so the parts below never import
    // either (a shared type or helper goes down to relay/util or relay/protocol instead).
    files: ['relay/{util,protocol,client,inbox,upstream,notify,reference-server,config}/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_ELECTRON],
          patterns: [{ group: ['**/core/*', '**/local/**'], message: 'a lower layer must not import relay/core or relay/local; move what both need to relay/util or relay/protocol.' }],
        },
      ],
    },
  },
);
