import { createHash } from "node:crypto";
import { hashChain } from "../../core/model/hash-chain.js";

/** The data format's hash chain (core/model/hash-chain.ts) on node's sha256. */
export const { eventHash, verifyChain } = hashChain((text) => createHash("sha256").update(text).digest("hex"));
