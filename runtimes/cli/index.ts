// `edd/cli`: what an `edd.config.ts` imports; the `edd` command itself is the package's bin.
export { defineConfig, type EddConfig } from "./config.js";
export type { Backend } from "../../core/ports/backend.js";
export type { CliCommand, CliContext } from "./context.js";
export { externalSort, type ExternalSortOptions } from "./external-sort.js";
