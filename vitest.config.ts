import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Builds dist/ once: the end-to-end tests run the local server on the bundles, as users do.
    globalSetup: ["tests/support/global-setup.ts"],
    // RSA key generation takes ~0.2 s per key on this machine; suites with many keys need room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
