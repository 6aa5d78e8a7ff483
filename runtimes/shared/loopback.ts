import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

/** Host names (without port) that only a process on this machine can reach. */
export const loopbackHostNames: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/** Headers a reverse proxy adds; any of them means the request started somewhere else. */
const forwardingHeaders = [
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-real-ip",
  "x-client-ip",
  "x-cluster-client-ip",
  "x-original-forwarded-for",
  "true-client-ip",
  "cf-connecting-ip",
  "fastly-client-ip",
  "via",
];

/** Whether a server listening on `hostname` is reachable from this machine only. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Whether a socket's remote address is this machine (IPv4, IPv6, or IPv4 mapped into IPv6). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === "::1" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/i.test(address);
}

/** The Host header's name without its port, lower-case ("[::1]" keeps its brackets). */
export function hostName(host: string | undefined): string | undefined {
  return host?.replace(/:\d+$/, "").toLowerCase();
}

export type LocalCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Whether a request comes straight from this machine: no proxy header, and a socket whose peer is
 * a loopback address. A request without a socket (in-process, or a platform event) is not local:
 * unauthenticated local access must fail closed wherever the peer cannot be seen.
 */
export function directLoopbackPeer(c: Context): LocalCheck {
  const forwarded = forwardingHeaders.find((name) => c.req.header(name) !== undefined);
  if (forwarded !== undefined) {
    return { ok: false, reason: `the request came through a proxy (${forwarded} header); sign in, or connect directly` };
  }
  const address = remoteAddress(c);
  if (!isLoopbackAddress(address)) {
    return { ok: false, reason: `the request comes from ${address ?? "an unknown peer"}, not from this machine` };
  }
  return { ok: true };
}

function remoteAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // not served by @hono/node-server: no socket to look at
  }
}
