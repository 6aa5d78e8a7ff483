import { type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createEngine, defineService, type Authenticator } from "../../core/index.js";
import { bankServices } from "../../examples/bank/services.js";
import { createHttpApp } from "../../runtimes/http/app.js";
import { runDocExamples } from "../../test/support/doc-examples.js";
import { type LocalJwks, startLocalJwks } from "../../test/support/local-jwks.js";
import { MemoryStore } from "../memory/index.js";
import { jwtAuthenticator, platformClaimsAuthenticator } from "./index.js";

const issuer = "https://idp.test";
const audience = "edd-bank";
const secret = "a-test-secret-of-at-least-32-bytes!";
const secretKey = new TextEncoder().encode(secret);
const hs256 = jwtAuthenticator({ secret, issuer, audience });

interface TokenOptions {
  readonly claims?: JWTPayload;
  readonly audience?: string;
  readonly expiresAt?: number;
  readonly key?: Uint8Array;
}

function hsToken(options: TokenOptions = {}): Promise<string> {
  return new SignJWT({ realm: "bank-a", roles: ["teller"], ...options.claims })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("user-1")
    .setIssuer(issuer)
    .setAudience(options.audience ?? audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresAt ?? "5m")
    .sign(options.key ?? secretKey);
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("jwtAuthenticator with an HS256 secret", () => {
  it("accepts a valid token and maps subject, realm and roles", async () => {
    const result = await hs256(bearer(await hsToken()));
    expect(result).toEqual({ ok: true, principal: { id: "user-1", realm: "bank-a", roles: ["teller"], authenticatedBy: "jwt" } });
  });

  it("refuses an expired token", async () => {
    const result = await hs256(bearer(await hsToken({ expiresAt: nowSeconds() - 60 })));
    expect(result).toMatchObject({ ok: false, code: "unauthenticated", message: expect.stringContaining("expired") });
  });

  it("tolerates the configured clock skew", async () => {
    const lenient = jwtAuthenticator({ secret, issuer, audience, clockTolerance: 120 });
    expect(await lenient(bearer(await hsToken({ expiresAt: nowSeconds() - 60 })))).toMatchObject({ ok: true });
  });

  it("refuses a token for another audience", async () => {
    const result = await hs256(bearer(await hsToken({ audience: "someone-else" })));
    expect(result).toMatchObject({ ok: false, code: "unauthenticated", message: expect.stringContaining("aud") });
  });

  it("refuses a token signed with another key", async () => {
    const forged = await hsToken({ key: new TextEncoder().encode("another-secret-of-at-least-32-bytes") });
    expect(await hs256(bearer(forged))).toMatchObject({
      ok: false,
      code: "unauthenticated",
      message: expect.stringContaining("signature"),
    });
  });

  it("refuses garbage", async () => {
    expect(await hs256(bearer("not.a.jwt"))).toMatchObject({ ok: false, code: "unauthenticated" });
  });

  it("answers 401 without a token, or the anonymous principal when allowed", async () => {
    expect(await hs256({ headers: {} })).toMatchObject({ ok: false, code: "unauthenticated" });
    const open = jwtAuthenticator({ secret, issuer, audience, allowAnonymous: true });
    expect(await open({ headers: {} })).toMatchObject({ ok: true, principal: { id: "anonymous", realm: "default" } });
  });

  it("refuses a valid token without a realm rather than guessing one", async () => {
    const token = await hsToken({ claims: { realm: undefined } });
    expect(await hs256(bearer(token))).toMatchObject({ ok: false, code: "forbidden", message: expect.stringContaining("realm") });
  });

  it("reads roles and realm from configured, nested claims", async () => {
    const keycloak = jwtAuthenticator({ secret, issuer, audience, realmClaim: "tenant", rolesClaim: ["realm_access", "roles"] });
    const token = await hsToken({ claims: { tenant: "t1", realm_access: { roles: ["admin"] } } });
    expect(await keycloak(bearer(token))).toMatchObject({ ok: true, principal: { realm: "t1", roles: ["admin"] } });
  });
});

describe("finding 8: jwtAuthenticator refuses weak settings and tokens", () => {
  const unsigned = (claims: JWTPayload, alg = "HS256", key = secretKey) =>
    new SignJWT({ realm: "bank-a", ...claims })
      .setProtectedHeader({ alg })
      .setSubject("user-1")
      .setIssuer(issuer)
      .setAudience(audience)
      .sign(key);

  it("finding 8: refuses a token without exp by default", async () => {
    const result = await hs256(bearer(await unsigned({})));
    expect(result).toMatchObject({ ok: false, code: "unauthenticated", message: expect.stringContaining("exp") });
  });

  it("finding 8: accepts a token without exp only when told to", async () => {
    const lenient = jwtAuthenticator({ secret, issuer, audience, requireExpiry: false });
    expect(await lenient(bearer(await unsigned({})))).toMatchObject({ ok: true });
  });

  it("finding 8: refuses an HMAC secret under 32 bytes at construction", () => {
    expect(() => jwtAuthenticator({ secret: "12345", issuer, audience })).toThrow(/at least 32 bytes/);
    expect(() => jwtAuthenticator({ secret: new Uint8Array(31), issuer, audience })).toThrow(/at least 32 bytes/);
    // "€" is three bytes: 11 of them are 33 bytes, though only 11 characters.
    expect(() => jwtAuthenticator({ secret: "€".repeat(11), issuer, audience })).not.toThrow();
  });

  it("finding 8: pins HS256 for a secret by default and refuses other algorithms", async () => {
    const hs512 = await unsigned({ exp: nowSeconds() + 60 }, "HS512", new TextEncoder().encode("x".repeat(64)));
    const pinned = jwtAuthenticator({ secret: "x".repeat(64), issuer, audience });
    expect(await pinned(bearer(hs512))).toMatchObject({
      ok: false,
      code: "unauthenticated",
      message: expect.stringContaining("algorithm"),
    });
    const widened = jwtAuthenticator({ secret: "x".repeat(64), issuer, audience, algorithms: ["HS512"] });
    expect(await widened(bearer(hs512))).toMatchObject({ ok: true });
  });

  it("finding 8: refuses algorithms that do not fit the key, and HS384/HS512 secrets shorter than their hash", () => {
    expect(() => jwtAuthenticator({ secret, issuer, audience, algorithms: ["RS256"] })).toThrow(/RS256/);
    expect(() => jwtAuthenticator({ secret, issuer, audience, algorithms: ["none"] })).toThrow(/none/);
    expect(() => jwtAuthenticator({ jwksUrl: "https://idp.test/jwks.json", issuer, audience, algorithms: ["HS256"] })).toThrow(/HS256/);
    expect(() => jwtAuthenticator({ secret: "x".repeat(40), issuer, audience, algorithms: ["HS512"] })).toThrow(/64 bytes/);
    expect(() => jwtAuthenticator({ secret, issuer, audience, algorithms: [] })).toThrow(/algorithm/);
  });
});

describe("jwtAuthenticator with a JWKS", () => {
  let idp: LocalJwks;
  beforeAll(async () => {
    idp = await startLocalJwks("ES256");
  });
  afterAll(() => idp.close());

  const esToken = (kid: string) =>
    idp.sign({ realm: "bank-a", roles: "teller auditor", sub: "user-2", iss: issuer, aud: audience, exp: nowSeconds() + 300 }, { kid });

  it("verifies a token against the fetched key set", async () => {
    const authenticate = jwtAuthenticator({ jwksUrl: idp.url, issuer, audience });
    const result = await authenticate(bearer(await esToken("k1")));
    expect(result).toEqual({
      ok: true,
      principal: { id: "user-2", realm: "bank-a", roles: ["teller", "auditor"], authenticatedBy: "jwt" },
    });
  });

  it("refuses a token whose key is not in the set", async () => {
    const authenticate = jwtAuthenticator({ jwksUrl: idp.url, issuer, audience });
    expect(await authenticate(bearer(await esToken("unknown")))).toMatchObject({ ok: false, code: "unauthenticated" });
  });

  it("throws when the key set is broken: our fault (500), not the caller's (401)", async () => {
    const authenticate = jwtAuthenticator({ jwksUrl: idp.brokenUrl, issuer, audience });
    await expect(authenticate(bearer(await esToken("k1")))).rejects.toThrow(/JSON Web Key Set/);
  });
});

describe("platformClaimsAuthenticator", () => {
  const platform = platformClaimsAuthenticator({ realmClaim: "custom:tenant", rolesClaim: "cognito:groups" });

  it("maps claims the platform verified", async () => {
    const claims = { sub: "u9", "custom:tenant": "t9", "cognito:groups": ["admin"] };
    expect(await platform({ headers: {}, verifiedClaims: claims })).toEqual({
      ok: true,
      principal: { id: "u9", realm: "t9", roles: ["admin"], authenticatedBy: "platform" },
    });
  });

  it("never reads a token from headers", async () => {
    expect(await platform(bearer(await hsToken()))).toMatchObject({ ok: false, code: "unauthenticated" });
  });
});

/** Roles are declared on the command; the test service exists only to check them over HTTP. */
const vault = defineService<{ sealed: boolean }>("vault", { initialState: () => ({ sealed: false }) })
  .event("Sealed", z.object({}), () => ({ sealed: true }))
  .command("Seal", { schema: z.object({}), roles: ["auditor"], handle: () => [{ type: "Sealed", data: {} }] })
  .build();

function httpApi(authenticator: Authenticator) {
  const store = new MemoryStore();
  const app = createHttpApp(createEngine({ services: [...bankServices, vault], store, authenticator }));
  const post = async (path: "/command" | "/query", body: object, token?: string) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const ids = { requestId: crypto.randomUUID(), interactionId: crypto.randomUUID() };
    const response = await app.request(path, { method: "POST", headers, body: JSON.stringify({ ...ids, ...body }) });
    return { status: response.status, body: (await response.json()) as { result?: unknown; error?: { code: string } } };
  };
  const command = (name: string, aggregateId: string, attributes: object, token?: string) =>
    post("/command", { commands: [{ command: name, aggregateId, attributes }] }, token);
  const query = (name: string, attributes: object, token?: string) => post("/query", { query: { query: name, attributes } }, token);
  return { store, command, query };
}

describe("auth through the HTTP API", () => {
  it("answers 401 to an unauthenticated command and stores nothing", async () => {
    const api = httpApi(hs256);
    const response = await api.command("OpenAccount", "acc-1", { owner: "ada@example.com" });
    expect(response).toMatchObject({ status: 401, body: { error: { code: "unauthenticated" } } });
    for (const realm of ["default", "bank-a"]) expect((await api.store.readFeed(realm, undefined, 10)).events).toEqual([]);
  });

  it("answers 403 when the principal lacks a role the command declares", async () => {
    const api = httpApi(hs256);
    const teller = await hsToken({ claims: { roles: ["teller"] } });
    const auditor = await hsToken({ claims: { roles: ["auditor"] } });
    expect(await api.command("Seal", "v1", {}, teller)).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
    expect((await api.store.readFeed("bank-a", undefined, 10)).events).toEqual([]);
    expect(await api.command("Seal", "v1", {}, auditor)).toMatchObject({ status: 200 });
  });

  it("keeps realms apart: the same account id in two realms are two accounts", async () => {
    const api = httpApi(hs256);
    const realmA = await hsToken({ claims: { realm: "bank-a" } });
    const realmB = await hsToken({ claims: { realm: "bank-b" } });
    expect(await api.command("OpenAccount", "acc-1", { owner: "ada@example.com" }, realmA)).toMatchObject({ status: 200 });
    expect(await api.command("Deposit", "acc-1", { amount: 100 }, realmA)).toMatchObject({ status: 200 });

    expect(await api.query("GetAccount", { id: "acc-1" }, realmB)).toMatchObject({ status: 200, body: { result: null } });
    expect(await api.command("Deposit", "acc-1", { amount: 5 }, realmB)).toMatchObject({ body: { error: { code: "account-not-open" } } });
    expect(await api.command("OpenAccount", "acc-1", { owner: "bo@example.com" }, realmB)).toMatchObject({ status: 200 });
    expect(await api.command("Deposit", "acc-1", { amount: 7 }, realmB)).toMatchObject({ status: 200 });

    const inA = await api.query("GetAccount", { id: "acc-1" }, realmA);
    const inB = await api.query("GetAccount", { id: "acc-1" }, realmB);
    expect(inA.body.result).toMatchObject({ owner: "ada@example.com", balance: 100, version: 2 });
    expect(inB.body.result).toMatchObject({ owner: "bo@example.com", balance: 7, version: 2 });
  });
});

describe("docs/auth.md", () => {
  it("runs its examples", async () => {
    await runDocExamples("docs/auth.md");
  });
});
