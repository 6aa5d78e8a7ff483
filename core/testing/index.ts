// The test kit: specifications that run business logic without infrastructure.
export {
  projectionSpecification,
  querySpecification,
  specification,
  type CommandOutcome,
  type GivenEvent,
  type OlderEvent,
  type ProjectionOutcome,
  type Then,
  type When,
  type WhenOptions,
} from "./specification.js";
export { deepEqual, SpecificationError } from "./equal.js";
