import { loadPeer } from "../../core/ports/peer.js";

/** @azure/service-bus, an optional peer of edd: loaded here so that a missing install names the package to add. */
export const serviceBus = await loadPeer("edd/service-bus", "@azure/service-bus", () => import("@azure/service-bus"));
