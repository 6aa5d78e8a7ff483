import { MemoryTransport } from "../adapters/memory/transport.js";
import { describeTransportContract } from "edd/testing/contracts";

describeTransportContract("memory", async ({ maxAttempts }) => new MemoryTransport({ maxAttempts }), { deduplicates: true, waitMs: 50 });
