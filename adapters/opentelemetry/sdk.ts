import { loadPeer } from "../../core/ports/peer.js";

/** @opentelemetry/api, an optional peer of edd: loaded here so that a missing install names the package to add. */
export const otel = await loadPeer("edd/opentelemetry", "@opentelemetry/api", () => import("@opentelemetry/api"));
