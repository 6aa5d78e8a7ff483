import { loadPeer } from "../../core/ports/peer.js";

/** jose, an optional peer of edd: loaded here so that a missing install names the package to add. */
export const jose = await loadPeer("edd/jwt", "jose", () => import("jose"));
