import { MemoryViewStore } from "../adapters/memory/view-store.js";
import { describeViewStoreContract } from "edd/testing/contracts";

describeViewStoreContract("memory", async () => ({ store: new MemoryViewStore() }));
