import { defineConfig } from 'vitest/config';

// Test tiers are visible in file names: *.unit.test.ts (pure, milliseconds), *.int.test.ts (real
// PostgreSQL / PGlite / local venue servers), *.e2e.test.ts (the whole service), *.fault.test.ts
// (seeded fault scenarios). `npm run test:unit` etc. run one tier on its own.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
