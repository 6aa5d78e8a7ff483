import { loadPeer } from "../../core/ports/peer.js";

/** @aws-sdk/client-sqs, an optional peer of edd: loaded here so that a missing install names the package to add. */
export const sqs = await loadPeer("edd/sqs", "@aws-sdk/client-sqs", () => import("@aws-sdk/client-sqs"));
