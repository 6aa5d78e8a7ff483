import { expect, it } from "vitest";
import { runDocExamples } from "./support/doc-examples.js";
import { describeDynamo } from "./support/dynamodb.js";

describeDynamo("docs/dynamodb.md", (endpoint) => {
  it("runs its example against DynamoDB Local", async () => {
    const before = process.env.DYNAMODB_ENDPOINT;
    process.env.DYNAMODB_ENDPOINT = endpoint;
    try {
      await expect(runDocExamples("docs/dynamodb.md")).resolves.toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.DYNAMODB_ENDPOINT;
      else process.env.DYNAMODB_ENDPOINT = before;
    }
  });
});
