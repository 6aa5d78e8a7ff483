import { afterAll, beforeAll, describe, it } from "vitest";
import { describeStoreContract } from "./store-contract.js";
import { type DynamoTarget, dynamoStores, realDynamoTarget, startDynalite } from "./support/dynalite.js";

let dynaliteTarget: DynamoTarget;
let stores: Awaited<ReturnType<typeof dynamoStores>>;

describe("DynamoDB store on dynalite", () => {
  beforeAll(async () => {
    dynaliteTarget = await startDynalite();
    stores = await dynamoStores(dynaliteTarget);
  });
  afterAll(async () => {
    await stores.drop();
    await dynaliteTarget.close();
  });
  describeStoreContract("dynamodb (dynalite)", async () => stores.create());
});

const real = realDynamoTarget();
if (typeof real === "string") {
  describe.skip(`DynamoDB store on a real DynamoDB (skipped: ${real})`, () => {
    it("runs the store contract", () => {});
  });
} else {
  describe(`DynamoDB store on ${real.description}`, () => {
    let realStores: Awaited<ReturnType<typeof dynamoStores>>;
    beforeAll(async () => {
      realStores = await dynamoStores(real);
    }, 120_000);
    afterAll(async () => {
      await realStores.drop();
    });
    describeStoreContract(`dynamodb (${real.description})`, async () => realStores.create());
  });
}
