import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { describeViewStoreContract } from "./view-store-contract.js";

describeViewStoreContract("memory", async () => ({ store: new MemoryViewStore() }));
