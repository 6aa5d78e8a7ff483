import { describe, it } from "vitest";
import { runDocExamples } from "./support/doc-examples.js";

describe("docs/explorer.md", () => {
  it("runs its examples", async () => {
    await runDocExamples("docs/explorer.md");
  });
});
