import { MemoryStore } from "../adapters/memory/index.js";
import { describeStoreContract } from "./store-contract.js";

describeStoreContract("memory", async () => new MemoryStore());
