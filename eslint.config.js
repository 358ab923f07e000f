/**
 * ESLint for every workspace's TypeScript and JavaScript (flat config): ESLint's and
 * typescript-eslint's recommended rules, with formatting left to Prettier
 * (eslint-config-prettier). AssemblyScript (backend-wasm/assembly) is not TypeScript
 * to these parsers (function decorators, v128), so it is formatted and linted by its compiler only.
 */
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "**/build/**",
      "**/.turbo/**",
      "test-reports/**",
      "ci-artifacts/**",
      "packages/backend-wasm/assembly/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.node },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  prettier,
);
