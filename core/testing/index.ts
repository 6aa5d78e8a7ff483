// The test kit: specifications that run business logic without infrastructure.
export { specification, querySpecification, type CommandOutcome } from "./specification.js";
export { deepEqual, SpecificationError } from "./equal.js";
