import { loadPeer } from "../../../core/ports/peer.js";

/** @electric-sql/pglite, an optional peer of edd: loaded here so that a missing install names the package to add. */
export const pglite = await loadPeer("edd/pglite", "@electric-sql/pglite", () => import("@electric-sql/pglite"));
