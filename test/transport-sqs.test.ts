import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { S3ObjectStore } from "../adapters/s3/index.js";
import { ensureFifoQueues, SqsTransport, sqsIdentifierFor } from "../adapters/sqs/index.js";
import { anonymousPrincipal, createEngine } from "../core/index.js";
import { parseLargeCommandReference } from "../core/pipeline/effects/large-commands.js";
import { publishCommand } from "../core/pipeline/effects/queue-publish.js";
import { createQueueWorker } from "../core/pipeline/effects/queue-worker.js";
import { commandMessage } from "../core/ports/transport.js";
import { bankServices } from "../examples/bank/services.js";
import { startAwsEmulator } from "./support/fauxqs.js";
import { describeTransportContract } from "edd/testing/contracts";
import { commandRequest, receiveUntil } from "../contracts/transport.js";

let aws: Awaited<ReturnType<typeof startAwsEmulator>>;
let admin: SQSClient;
let queues = 0;

beforeAll(async () => {
  aws = await startAwsEmulator();
  admin = new SQSClient(aws.clientConfig);
});
afterAll(async () => {
  admin?.destroy();
  await aws?.stop();
});

async function freshTransport(maxAttempts: number, extra: { maxBodyBytes?: number } = {}) {
  const pair = await ensureFifoQueues(admin, { name: `edd-test-${++queues}`, maxReceiveCount: maxAttempts });
  return new SqsTransport({ ...pair, maxAttempts, client: aws.clientConfig, ...extra });
}

describeTransportContract("sqs (fauxqs, real SDK)", ({ maxAttempts }) => freshTransport(maxAttempts), { deduplicates: true, waitMs: 1000 });

describe("sqs specifics", () => {
  it("keeps short ids and hashes ones SQS would refuse", () => {
    expect(sqsIdentifierFor("0b8c3f0e-1f1d-4b9e-9c1e-3f3a6f1c2d4e:0.1.2")).toBe("0b8c3f0e-1f1d-4b9e-9c1e-3f3a6f1c2d4e:0.1.2");
    expect(sqsIdentifierFor("x".repeat(129))).toMatch(/^[0-9a-f]{64}$/);
    expect(sqsIdentifierFor("has space")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("puts the plain command JSON in the SQS body and the realm in attribute edd-realm", async () => {
    const pair = await ensureFifoQueues(admin, { name: "edd-test-raw", maxReceiveCount: 3 });
    const transport = new SqsTransport({ ...pair, client: aws.clientConfig });
    const request = commandRequest("OpenAccount", "acc-raw", { owner: "r@example.com" });
    await transport.publish(commandMessage(request, "acme"));
    const raw = await admin.send(
      new ReceiveMessageCommand({
        QueueUrl: pair.queueUrl,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
        WaitTimeSeconds: 1,
      }),
    );
    const [message] = raw.Messages ?? [];
    expect(message?.Body).toBe(JSON.stringify(request));
    expect(message?.MessageAttributes?.["edd-realm"]?.StringValue).toBe("acme");
    expect(message?.Attributes?.MessageGroupId).toBe("acc-raw");
    expect(message?.Attributes?.MessageDeduplicationId).toBe(`${request.requestId}:0`);
    await transport.close();
  });

  it("sends a command over 256 KB through S3 and the worker resolves it", async () => {
    const s3 = new S3Client(aws.s3Config);
    await s3.send(new CreateBucketCommand({ Bucket: "edd-large" }));
    s3.destroy();
    const objects = new S3ObjectStore({ bucket: "edd-large", client: aws.s3Config });
    const transport = await freshTransport(3);
    const engine = createEngine({ services: bankServices, store: new MemoryStore() });
    await publishCommand(transport, commandRequest("OpenAccount", "acc-s3", { owner: "s3@example.com" }), "default");
    const big = { ...commandRequest("Deposit", "acc-s3", { amount: 12 }), meta: { scan: "z".repeat(300 * 1024) } };
    await publishCommand(transport, big, "default", { objectStore: objects });

    const worker = createQueueWorker(engine, transport, { objectStore: objects, retryDelayMs: () => 0 });
    let done = 0;
    const deadline = Date.now() + 15_000;
    while (done < 2 && Date.now() < deadline) done += (await worker.runOnce(1000)).done;
    expect(done).toBe(2);
    const answer = await engine.query({ query: { query: "GetAccount", attributes: { id: "acc-s3" } } }, anonymousPrincipal);
    expect(answer.body).toMatchObject({ result: { balance: 12 } });
    objects.close();
    await transport.close();
  });

  it("finding 13: a large-command reference may name only the configured bucket", async () => {
    const s3 = new S3Client(aws.s3Config);
    await s3.send(new CreateBucketCommand({ Bucket: "edd-large-only" }));
    await s3.send(new CreateBucketCommand({ Bucket: "payroll" }));
    // Another team's bucket, readable with this service's credentials, holding a valid command.
    const planted = commandRequest("OpenAccount", "acc-planted", { owner: "planted@example.com" });
    await s3.send(new PutObjectCommand({ Bucket: "payroll", Key: "salaries.json", Body: JSON.stringify(planted) }));
    s3.destroy();
    const objects = new S3ObjectStore({ bucket: "edd-large-only", client: aws.s3Config });
    await expect(objects.get({ store: "s3", bucket: "payroll", key: "salaries.json" })).rejects.toThrow(/only "edd-large-only"/);

    const transport = await freshTransport(2);
    const engine = createEngine({ services: bankServices, store: new MemoryStore() });
    // What anyone allowed to publish to the queue can send: a reference of their choosing.
    const reference = { eddLargeCommand: { store: "s3", bucket: "payroll", key: "salaries.json", bytes: 1 } };
    await transport.publish({
      body: JSON.stringify(reference),
      realm: "default",
      orderingKey: "acc-planted",
      deduplicationId: "planted-1",
    });
    const worker = createQueueWorker(engine, transport, { objectStore: objects, retryDelayMs: () => 0 });
    let round = await worker.runOnce(1000);
    for (const deadline = Date.now() + 15_000; round.received === 0 && Date.now() < deadline; ) round = await worker.runOnce(1000);
    expect(round).toMatchObject({ received: 1, done: 0, retried: 1 });
    const answer = await engine.query({ query: { query: "GetAccount", attributes: { id: "acc-planted" } } }, anonymousPrincipal);
    expect(answer.body).toMatchObject({ result: null });
    objects.close();
    await transport.close();
  });

  it("shows other tools a documented reference for a large command", async () => {
    const objects = new S3ObjectStore({ bucket: "edd-large", client: aws.s3Config });
    const transport = await freshTransport(3);
    const big = { ...commandRequest("Deposit", "acc-ref", { amount: 1 }), meta: { scan: "q".repeat(270 * 1024) } };
    await publishCommand(transport, big, "default", { objectStore: objects });
    const [message] = await receiveUntil(transport, (r) => r.length > 0, { waitMs: 1000, deadlineMs: 10_000 });
    expect(JSON.parse(message?.body ?? "")).toEqual({
      eddLargeCommand: {
        store: "s3",
        bucket: "edd-large",
        key: expect.stringMatching(/^edd-large-commands\/[0-9a-f]{64}\.json$/),
        bytes: JSON.stringify(big).length,
      },
    });
    const ref = parseLargeCommandReference(message?.body ?? "");
    expect(JSON.parse(await objects.get(ref ?? { store: "s3", key: "" }))).toEqual(big);
    objects.close();
    await transport.close();
  });
});
