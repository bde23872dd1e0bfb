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
    env: {
      // The AWS SDK warns once per process on Node < 22 that its support for Node 20 ends in
      // January 2027. The README states the supported versions and CI runs this suite on Node 20
      // and 22; the SDK's documented switch keeps the warning out of every test's output (and out
      // of the local servers and CLIs the tests start, which inherit this environment).
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  },
});
