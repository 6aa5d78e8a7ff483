// What the `edd` CLI operates on in this repository: the bank example.
export { default } from "./examples/bank/edd.config.js";
