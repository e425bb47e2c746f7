import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const outerLayers = ['main', 'renderer', 'preload', 'server', 'cli'];
const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'child_process',
  'crypto',
  'worker_threads',
  'url',
  'stream',
  'http',
];

/** "Which way arrows point" (DESIGN.md), enforced rather than hoped for. */
function restrict(patterns, paths = []) {
  return { 'no-restricted-imports': ['error', { patterns, paths }] };
}

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', '.tools/**', 'test-results/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'smart'],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use a union of string literals.' },
      ],
    },
  },
  {
    files: ['src/shared/**'],
    rules: restrict(
      [{ group: ['../*', '!../shared/*'], message: 'src/shared imports nothing of ours.' }],
      [{ name: 'electron', message: 'Electron belongs to src/main and src/preload only.' }],
    ),
  },
  {
    files: ['src/engine/**'],
    rules: restrict(
      [
        {
          group: outerLayers.map((l) => `**/${l}/**`),
          message: 'The engine imports only src/shared and libraries.',
        },
      ],
      [{ name: 'electron', message: 'Electron belongs to src/main and src/preload only.' }],
    ),
  },
  {
    files: ['src/cli/**', 'src/server/**'],
    rules: restrict(
      [{ group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'Only engine and shared.' }],
      [{ name: 'electron', message: 'Electron belongs to src/main and src/preload only.' }],
    ),
  },
  ...['src/renderer/**', 'src/preload/**'].map((files) => ({
    files: [files],
    rules: restrict(
      [
        {
          group: ['**/engine/**', '**/main/**', '**/cli/**', '**/server/**'],
          message: 'The UI talks only to the API client.',
        },
        { group: ['node:*'], message: 'No Node built-ins in the renderer or preload.' },
        ...(files.startsWith('src/renderer')
          ? [{ group: ['electron'], message: 'The renderer never sees Electron.' }]
          : []),
      ],
      nodeBuiltins.map((name) => ({ name, message: 'No Node built-ins in the renderer or preload.' })),
    ),
  })),
);
