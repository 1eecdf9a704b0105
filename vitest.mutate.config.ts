/**
 * The vitest config `npm run mutate` gives Stryker: the project's, with the tests
 * narrowed to MUTATE_TEST_FILES (comma-separated) when scripts/mutate.ts sets it.
 * Narrowed here, not with Stryker's --testFiles: that makes Stryker 9.6.1 activate
 * static mutants (values computed at import) after the import, so every one of them
 * survives whatever the tests say (stryker-js issue #6144).
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

const files = process.env.MUTATE_TEST_FILES?.split(',').filter(Boolean);

export default defineConfig({ ...base, test: { ...base.test, ...(files && files.length > 0 ? { include: files } : {}) } });
