import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

/** An identity provider on loopback: a key set at `url` and real tokens signed with its private key. */
export interface LocalJwks {
  /** The key set, `http://127.0.0.1:<port>/certs`. */
  readonly url: string;
  /** A key set whose `keys` is not a list, for fault tests. */
  readonly brokenUrl: string;
  /** Signs `claims` with the served key (header `kid`, unless another is given). */
  sign(claims: JWTPayload, header?: { kid?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startLocalJwks(alg: "RS256" | "ES256" = "RS256"): Promise<LocalJwks> {
  const pair = await generateKeyPair(alg);
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg, use: "sig" };
  const idp = new Hono().get("/certs", (c) => c.json({ keys: [jwk] })).get("/broken", (c) => c.json({ keys: "not a key set" }));
  let base = "";
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: idp.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
      base = `http://127.0.0.1:${info.port}`;
      resolve(started);
    });
  });
  return {
    url: `${base}/certs`,
    brokenUrl: `${base}/broken`,
    sign: (claims, header = {}) => new SignJWT(claims).setProtectedHeader({ alg, kid: header.kid ?? "k1" }).sign(pair.privateKey),
    close: () => new Promise((done) => server.close(() => done())),
  };
}
