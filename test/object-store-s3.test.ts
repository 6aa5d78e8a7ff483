import { createServer, type IncomingHttpHeaders, request } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateBucketCommand, PutObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { googleCloudStorageClientConfig, S3ObjectStore } from "../adapters/s3/index.js";
import { startAwsEmulator } from "./support/fauxqs.js";
import { describeObjectStoreContract } from "../contracts/object-store.js";

describeObjectStoreContract(
  "s3 (fauxqs, real SDK)",
  async () => {
    const aws = await startAwsEmulator();
    const admin = new S3Client(aws.s3Config);
    await admin.send(new CreateBucketCommand({ Bucket: "edd-large" }));
    const objects = new S3ObjectStore({ bucket: "edd-large", client: aws.s3Config });
    return {
      store: objects,
      async plantElsewhere(body) {
        // Another team's bucket, readable with this service's credentials.
        await admin.send(new CreateBucketCommand({ Bucket: "payroll" }));
        await admin.send(new PutObjectCommand({ Bucket: "payroll", Key: "salaries.json", Body: body }));
        return [
          { store: "s3", bucket: "payroll", key: "salaries.json" },
          { store: "s3", bucket: "edd-large", key: "../payroll/salaries.json" },
          { store: "s3", key: "../payroll/salaries.json" },
          { store: "s3", key: "edd-large-commands/../../payroll/salaries.json" },
        ];
      },
      cleanup: async () => {
        objects.close();
        admin.destroy();
        await aws.stop();
      },
    };
    // fauxqs ignores If-None-Match, so racing write-once puts all pass the adapter's HEAD check and
    // all land there; S3 itself refuses all but one (conditional writes).
  },
  { atomicWriteOnce: false },
);

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

/** Forwards to the emulator and records what arrived: the Host, the path and the headers. */
async function startRecordingProxy(target: string) {
  const upstream = new URL(target);
  const seen: Seen[] = [];
  const server = createServer((incoming, outgoing) => {
    seen.push({ method: incoming.method ?? "", path: incoming.url ?? "", headers: incoming.headers });
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(forwarded);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  // "localhost", not an IP: with virtual-hosted style the SDK would ask for edd-gcs.localhost instead.
  return { endpoint: `http://localhost:${port}`, host: `localhost:${port}`, seen, close: () => new Promise((done) => server.close(done)) };
}

describe("Google Cloud Storage through the S3 adapter (custom endpoint, path-style, HMAC key)", () => {
  let aws: Awaited<ReturnType<typeof startAwsEmulator>>;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  const key = { accessId: "GOOG1ETESTACCESSID", secret: "dGVzdC1obWFjLXNlY3JldC1ub3QtcmVhbA" };
  beforeAll(async () => {
    aws = await startAwsEmulator();
    proxy = await startRecordingProxy(aws.clientConfig.endpoint);
    const admin = new S3Client(aws.s3Config);
    await admin.send(new CreateBucketCommand({ Bucket: "edd-gcs" }));
    admin.destroy();
  });
  afterAll(async () => {
    await proxy?.close();
    await aws?.stop();
  });

  /** The documented settings, pointed at the emulator instead of https://storage.googleapis.com. */
  const gcsConfig = (): S3ClientConfig => ({ ...googleCloudStorageClientConfig(key), endpoint: proxy.endpoint });

  it("points at storage.googleapis.com with region auto, path-style and the HMAC key", () => {
    expect(googleCloudStorageClientConfig(key)).toMatchObject({
      endpoint: "https://storage.googleapis.com",
      region: "auto",
      forcePathStyle: true,
      credentials: { accessKeyId: key.accessId, secretAccessKey: key.secret },
    });
  });

  it("puts and gets a large command as https://<endpoint>/<bucket>/<key>, signed with the HMAC key, without checksum headers", async () => {
    proxy.seen.length = 0;
    const objects = new S3ObjectStore({ bucket: "edd-gcs", client: gcsConfig() });
    const ref = await objects.put("edd-large-commands/gcs.json", '{"via":"gcs"}');
    expect(await objects.get(ref)).toBe('{"via":"gcs"}');
    objects.close();

    expect(proxy.seen.map((call) => `${call.method} ${call.path.split("?")[0]}`)).toEqual([
      "PUT /edd-gcs/edd-large-commands/gcs.json",
      "GET /edd-gcs/edd-large-commands/gcs.json",
    ]);
    for (const call of proxy.seen) {
      expect(call.headers.host).toBe(proxy.host);
      expect(call.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${key.accessId}/\\d{8}/auto/s3/aws4_request`));
      expect(
        Object.keys(call.headers).filter((name) => name.startsWith("x-amz-checksum") || name === "x-amz-sdk-checksum-algorithm"),
      ).toEqual([]);
    }
  });

  it("would send checksum headers without the documented setting (the setting is what removes them)", async () => {
    proxy.seen.length = 0;
    const { requestChecksumCalculation: _omitted, ...defaults } = gcsConfig();
    const objects = new S3ObjectStore({ bucket: "edd-gcs", client: defaults });
    await objects.put("edd-large-commands/default.json", "{}");
    objects.close();
    expect(Object.keys(proxy.seen[0]?.headers ?? {})).toContain("x-amz-sdk-checksum-algorithm");
  });
});
