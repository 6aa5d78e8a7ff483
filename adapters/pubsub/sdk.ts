import { loadPeer } from "../../core/ports/peer.js";

/** @google-cloud/pubsub, an optional peer of edd: loaded here so that a missing install names the package to add. */
export const pubsub = await loadPeer("edd/pubsub", "@google-cloud/pubsub", () => import("@google-cloud/pubsub"));
