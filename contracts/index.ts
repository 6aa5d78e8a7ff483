// `edd/testing/contracts`: the suites every edd store, view store, transport and object store passes. A third-party
// adapter proves it conforms by calling one of them in its own vitest file; edd's adapters do the same.
//
//   import { describeStoreContract } from "edd/testing/contracts";
//   describeStoreContract("my store", async () => new MyStore());
export { describeStoreContract } from "./store.js";
export { describeAuditReaderContract, type AuditFixture } from "./audit.js";
export { describeViewStoreContract, type ViewStoreFixture } from "./view-store.js";
export { describeTransportContract, type ContractOptions, type ContractSettings, type TransportFactory } from "./transport.js";
export { describeObjectStoreContract, type ObjectStoreContractOptions, type ObjectStoreFixture } from "./object-store.js";
