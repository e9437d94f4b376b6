// ESLint with typescript-eslint's type-checked rules; formatting is Prettier's (eslint-config-prettier
// turns off the rules that would disagree with it). `npm run lint` runs both; CI runs it.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'client/**', 'coverage/**', '.data/**', 'bench/results/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    // Not migrations: their up() and down() are the reviewed SQL, one script each.
    files: ['src/**/*.ts'],
    rules: {
      // A function longer than this says why in a comment beside an eslint-disable line.
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
      // One style of data access (README, "SQL"): hand-written statements through the sql template,
      // rows through TypeORM's Repository methods; no third way beside them.
      'no-restricted-properties': [
        'error',
        { property: 'createQueryBuilder', message: 'Write the statement with the sql template (src/database/sql.ts), or use a Repository method.' },
        { property: 'query', object: 'manager', message: 'Hand-written statements go through Db with the sql template.' },
      ],
    },
  },
  {
    rules: {
      // A leading underscore marks a value left out on purpose (a destructured field dropped, a
      // callback's unused argument).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests read supertest's `res.body` and pg's rows, which their libraries type as `any`; typing
    // every answer again would restate the OpenAPI document each answer is already checked against.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['**/*.js', '**/*.cjs', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
