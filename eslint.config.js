import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const NO_ELECTRON = { name: 'electron', message: 'relay/ must not import electron; adapt it in main/.' };
// One MCP SDK generation: v2's packages. (A later config's no-restricted-imports replaces an earlier one's
// options for the files it matches, so every block that sets the rule repeats these.)
const SDK_V1_MESSAGE =
  'the MCP SDK v1 is gone from this project: import @modelcontextprotocol/client (Client, StreamableHTTPClientTransport; /stdio), ' +
  '@modelcontextprotocol/server (McpServer, types; /stdio for StdioServerTransport) or @modelcontextprotocol/node (NodeStreamableHTTPServerTransport).';
const NO_SDK_V1 = { name: '@modelcontextprotocol/sdk', message: SDK_V1_MESSAGE };
const NO_SDK_V1_SUBPATHS = { group: ['@modelcontextprotocol/sdk/*'], message: SDK_V1_MESSAGE };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      'no-restricted-imports': ['error', { paths: [NO_SDK_V1], patterns: [NO_SDK_V1_SUBPATHS] }],
      // no-restricted-imports does not see import(): the same rule for a dynamic import of v1.
      'no-restricted-syntax': ['error', { selector: 'ImportExpression[source.value=/^@modelcontextprotocol\\/sdk(\\/|$)/]', message: SDK_V1_MESSAGE }],
    },
  },
  {
    // The headless core must run in plain Node, where importing electron tries a download and throws.
    files: ['relay/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [NO_ELECTRON, NO_SDK_V1], patterns: [NO_SDK_V1_SUBPATHS] }],
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
          paths: [NO_ELECTRON, NO_SDK_V1],
          patterns: [
            NO_SDK_V1_SUBPATHS,
            { group: ['**/core/*', '**/local/**'], message: 'a lower layer must not import relay/core or relay/local; move what both need to relay/util or relay/protocol.' },
          ],
        },
      ],
    },
  },
);
