export { createHttpQuery, type HttpQueryOptions } from "./client.js";
