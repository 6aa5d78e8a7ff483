import { startFauxqs } from "fauxqs";

/** An in-process SQS + S3 emulator on a free loopback port, and SDK settings that reach it. */
export async function startAwsEmulator() {
  const server = await startFauxqs({ port: 0, logger: false });
  const clientConfig = {
    endpoint: server.address,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  return { server, clientConfig, s3Config: { ...clientConfig, forcePathStyle: true }, stop: () => server.stop() };
}
