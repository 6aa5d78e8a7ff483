import { MemoryTransport } from "../adapters/memory/transport.js";
import { describeTransportContract } from "./transport-contract.js";

describeTransportContract("memory", async ({ maxAttempts }) => new MemoryTransport({ maxAttempts }), { deduplicates: true, waitMs: 50 });
