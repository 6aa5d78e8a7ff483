import { loadPeer } from "../../core/ports/peer.js";

/** @aws-sdk/client-dynamodb, an optional peer of edd: loaded here so that a missing install names the package to add. */
export const dynamodb = await loadPeer("edd/dynamodb", "@aws-sdk/client-dynamodb", () => import("@aws-sdk/client-dynamodb"));
