import type { DispatchResult } from "../model/result.js";
import type { OutboxItem } from "./store.js";

/** Hands one outbox item to its target: in process by default, or onto a queue transport. */
export type Deliver = (item: OutboxItem) => Promise<DispatchResult>;
