import { loadPeer } from "../../core/ports/peer.js";

/** @aws-sdk/client-s3, an optional peer of edd: loaded here so that a missing install names the package to add. */
export const s3 = await loadPeer("edd/s3", "@aws-sdk/client-s3", () => import("@aws-sdk/client-s3"));
