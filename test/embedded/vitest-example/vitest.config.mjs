// A vitest project as a user would write one, run by test/embedded/vitest.test.ts: one embedded
// broker for the whole run through samsa's globalSetup helper.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['samsa/vitest-setup'],
    include: ['*.spec.ts'],
    testTimeout: 30_000,
  },
});
