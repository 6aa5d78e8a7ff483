import { SQSClient } from "@aws-sdk/client-sqs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureFifoQueues } from "../adapters/sqs/index.js";
import { type DeliveryPathName, deliveryPaths, type ServiceBusSettings, type SqsSettings } from "./e2e/delivery.js";
import { runTransferScenario, type TransferOutcome } from "./e2e/transfer-scenario.js";
import { startAwsEmulator } from "./support/fauxqs.js";
import { postgresUnavailable, postgresUrl, randomSchema } from "./support/postgres-available.js";
import { type ServiceBusPeer, startServiceBusPeer } from "./support/service-bus-peer.js";

/** The one right answer, whatever carried the effects and wherever the process was killed. */
const expected: TransferOutcome = {
  balances: { "acc-a": 70, "acc-b": 30, "acc-c": 0 },
  transfers: { "t-1": "completed", "t-2": "compensated" },
  events: {
    "accounts/acc-a": ["AccountOpened", "Deposited", "Withdrawn", "Withdrawn", "TransferRefunded"],
    "accounts/acc-b": ["AccountOpened", "Deposited"],
    "accounts/acc-c": ["AccountOpened", "AccountClosed", "TransferCreditRefused"],
    "transfers/t-1": ["TransferRequested", "TransferDebited", "TransferCompleted"],
    "transfers/t-2": ["TransferRequested", "TransferDebited", "TransferCompensating", "TransferCompensated"],
  },
};

const unavailable = await postgresUnavailable();

if (unavailable !== undefined) {
  describe.skip(`transfers end to end: skipped, ${unavailable}`, () => {
    it("needs PostgreSQL", () => {});
  });
} else {
  describe("transfers end to end: bank server SIGKILLed mid-saga on PostgreSQL, restarted on the same schema", () => {
    const schemas: string[] = [];
    let aws: Awaited<ReturnType<typeof startAwsEmulator>>;
    let sqs: SQSClient;
    let serviceBus: ServiceBusPeer;

    beforeAll(async () => {
      // The emulators live in the test process, so queued messages survive the killed server.
      aws = await startAwsEmulator();
      sqs = new SQSClient(aws.clientConfig);
      serviceBus = await startServiceBusPeer();
    });
    afterAll(async () => {
      sqs?.destroy();
      await aws?.stop();
      await serviceBus?.stop();
      const db = new pg.Client({ connectionString: postgresUrl });
      await db.connect();
      for (const schema of schemas) await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.end();
    });

    async function envFor(delivery: DeliveryPathName): Promise<Record<string, string>> {
      const schema = randomSchema();
      schemas.push(schema);
      const env: Record<string, string> = { DATABASE_URL: postgresUrl, EDD_SCHEMA: schema, EDD_E2E_DELIVERY: delivery };
      if (delivery === "service-bus") {
        const queue = `e2e-${schema}`;
        serviceBus.createQueue(queue, { requiresSession: true, requiresDuplicateDetection: true, maxDeliveryCount: 5 });
        const settings: ServiceBusSettings = { connectionString: serviceBus.connectionString, queue, maxAttempts: 5 };
        return { ...env, EDD_E2E_SERVICE_BUS: JSON.stringify(settings) };
      }
      if (delivery !== "sqs") return env;
      const maxAttempts = 5;
      const pair = await ensureFifoQueues(sqs, {
        name: `e2e-${schema.replaceAll("_", "-")}`,
        maxReceiveCount: maxAttempts,
        visibilityTimeoutSeconds: 1,
      });
      const settings: SqsSettings = { endpoint: aws.clientConfig.endpoint, ...pair, maxAttempts };
      return { ...env, EDD_E2E_SQS: JSON.stringify(settings) };
    }

    it.each(deliveryPaths)(
      "delivering effects %s: completes t-1 and compensates t-2, no money created or lost",
      async (delivery) => {
        expect(await runTransferScenario(await envFor(delivery))).toEqual(expected);
      },
      90_000,
    );
  });
}
