import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // In the repository `edd/*` resolves to the TypeScript sources (the "source" export condition);
  // users of the package get dist/.
  // Vitest's own default leaves out "module", whose builds (the AWS SDK's dist-es) only bundlers load.
  ssr: { resolve: { conditions: ["source", ...defaultServerConditions.filter((condition) => condition !== "module")] } },
  test: {
    include: [
      "core/**/*.test.ts",
      "client/**/*.test.ts",
      "adapters/**/*.test.ts",
      "runtimes/**/*.test.ts",
      "examples/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    // One DynamoDB Local for the run (test/support/dynamodb.ts); it is stopped when the run ends.
    globalSetup: ["test/support/dynamodb-global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
