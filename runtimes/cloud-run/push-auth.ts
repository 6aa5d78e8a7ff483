import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { bearerToken, jwtVerifier } from "../../adapters/jwt/verify.js";
import { directLoopbackPeer } from "../shared/loopback.js";

/**
 * What a push authenticator decides about one delivery. `trustRealm` says whether the message's
 * `edd-realm` attribute may choose the realm: only a push proven to come from the platform may.
 */
export type PushAuthResult =
  | { readonly ok: true; readonly trustRealm: boolean }
  | { readonly ok: false; readonly status: 401 | 403; readonly message: string };

/** Decides whether a request to a push route really comes from Pub/Sub or Eventarc. Throws on a fault (503). */
export type PushAuthenticator = (c: Context) => Promise<PushAuthResult>;

/** Google's OAuth 2.0 signing keys, which sign Pub/Sub push and Eventarc OIDC tokens. */
export const googleJwksUrl = "https://www.googleapis.com/oauth2/v3/certs";
const googleIssuers = ["https://accounts.google.com", "accounts.google.com"];

export interface PubSubOidcOptions {
  /**
   * The audience the subscription signs for: `--push-auth-token-audience`, by default the push
   * endpoint URL (Eventarc: the service URL).
   */
  readonly audience: string | readonly string[];
  /** The service account(s) the subscription or trigger pushes as (`--push-auth-service-account`). */
  readonly serviceAccountEmail: string | readonly string[];
  /** Where the signing keys are (default Google's); tests serve their own. */
  readonly jwksUrl?: string | URL;
  /** Seconds of clock skew tolerated (default 0). */
  readonly clockTolerance?: number;
}

/**
 * Pub/Sub push (and Eventarc) with authentication: `Authorization: Bearer <Google-signed OIDC token>`.
 * Checks signature (RS256, Google's keys), issuer, audience, expiry, and that `email` is a configured
 * service account with `email_verified`.
 */
export function pubSubOidcAuthenticator(options: PubSubOidcOptions): PushAuthenticator {
  const emails = [options.serviceAccountEmail].flat();
  if (emails.length === 0 || emails.some((email) => email === ""))
    throw new Error("pubSubOidcAuthenticator needs a service account email.");
  const verify = jwtVerifier({
    jwksUrl: options.jwksUrl ?? googleJwksUrl,
    issuer: googleIssuers,
    audience: options.audience,
    algorithms: ["RS256"],
    ...(options.clockTolerance === undefined ? {} : { clockTolerance: options.clockTolerance }),
  });
  return async (c) => {
    const token = bearerToken(c.req.header("authorization"));
    if (token === undefined) return { ok: false, status: 401, message: "The push needs Authorization: Bearer <OIDC token>." };
    const verified = await verify(token);
    if (!verified.ok) return { ok: false, status: 401, message: `The push token was refused: ${verified.reason}` };
    const { email, email_verified: emailVerified } = verified.payload;
    if (typeof email !== "string" || emailVerified !== true) {
      return { ok: false, status: 401, message: "The push token carries no verified service account email." };
    }
    if (!emails.includes(email)) return { ok: false, status: 403, message: `Service account ${email} may not push here.` };
    return { ok: true, trustRealm: true };
  };
}

/** The shared-token option: the push endpoint URL carries `?token=<token>` (at least 16 characters). */
export function pushTokenAuthenticator(token: string): PushAuthenticator {
  if (token.length < 16) throw new Error("The push token must be at least 16 characters; use `openssl rand -hex 16`.");
  const expected = digest(token);
  return async (c) => {
    const given = c.req.query("token");
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      return { ok: false, status: 401, message: "The push endpoint needs ?token= matching EDD_PUSH_TOKEN." };
    }
    return { ok: true, trustRealm: true };
  };
}

/**
 * For a local run only: pushes from a loopback peer (no proxy headers) are accepted unauthenticated,
 * and their realm attribute is not trusted. Anything else is refused.
 */
export const unauthenticatedLocalPush: PushAuthenticator = async (c) => {
  const local = directLoopbackPeer(c);
  if (!local.ok) return { ok: false, status: 401, message: `Unauthenticated pushes are accepted from this machine only: ${local.reason}.` };
  return { ok: true, trustRealm: false };
};

/** Equal-length digests, so comparing them takes the same time whatever was sent. */
function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** How a Cloud Run app authenticates pushes: exactly one of these. */
export interface PushAuthChoice {
  /**
   * Pushed commands run as the trusted system principal, in the realm the message names, so a push
   * must prove it comes from Pub/Sub or Eventarc: `pubSubOidcAuthenticator(…)`, say.
   */
  readonly pushAuthenticator?: PushAuthenticator;
  /** Shorthand for `pushTokenAuthenticator(pushToken)`: push requests must carry `?token=<pushToken>`. */
  readonly pushToken?: string;
  /** A local run: unauthenticated pushes from a loopback peer only, and only in realm "default". */
  readonly allowUnauthenticatedLocalPush?: boolean;
}

/** Fail closed: no way to tell a real push from anyone's POST means no app at all. */
export function choosePushAuthenticator(options: PushAuthChoice): PushAuthenticator {
  const chosen = [
    options.pushAuthenticator,
    options.pushToken === undefined ? undefined : pushTokenAuthenticator(options.pushToken),
    options.allowUnauthenticatedLocalPush === true ? unauthenticatedLocalPush : undefined,
  ].filter((candidate) => candidate !== undefined);
  const [only] = chosen;
  if (only === undefined || chosen.length > 1) {
    throw new Error(
      "createCloudRunApp needs exactly one push authenticator: pushAuthenticator (e.g. pubSubOidcAuthenticator), " +
        "pushToken, or allowUnauthenticatedLocalPush for a local run. Pushed commands run as the trusted system.",
    );
  }
  return only;
}

/** What the Cloud Run entry reads from the environment: the push choice and the other callers' authenticators. */
export interface CloudRunAuthFromEnv extends PushAuthChoice {
  readonly eventarcAuthenticator?: PushAuthenticator;
  readonly schedulerAuthenticator?: PushAuthenticator;
}

/**
 * The authenticators from the environment, for the Cloud Run entry. Each caller signs its OIDC
 * token for its own audience, so each has its own pair of variables (all optional but the push):
 * - Pub/Sub push: `EDD_PUSH_AUDIENCE` with `EDD_PUSH_SERVICE_ACCOUNT` (comma-separated), or
 *   `EDD_PUSH_TOKEN` (the shared `?token=`), or `EDD_PUSH_UNAUTHENTICATED=local` (a local run, every route);
 * - Eventarc: `EDD_EVENTARC_AUDIENCE` with `EDD_EVENTARC_SERVICE_ACCOUNT`;
 * - Cloud Scheduler: `EDD_SCHEDULER_AUDIENCE` with `EDD_SCHEDULER_SERVICE_ACCOUNT`;
 * - `EDD_PUSH_JWKS_URL` replaces Google's keys for all three (tests).
 * Nothing set: no push authenticator is chosen, and the app refuses to start.
 */
export function pushAuthFromEnv(env: Readonly<Record<string, string | undefined>>): CloudRunAuthFromEnv {
  const value = (name: string) => (env[name] === undefined || env[name] === "" ? undefined : env[name]);
  const jwksUrl = value("EDD_PUSH_JWKS_URL");
  const oidc = (prefix: string): PushAuthenticator | undefined => {
    const audience = value(`${prefix}_AUDIENCE`);
    const accounts = value(`${prefix}_SERVICE_ACCOUNT`);
    if ((audience === undefined) !== (accounts === undefined)) {
      throw new Error(`Set both ${prefix}_AUDIENCE and ${prefix}_SERVICE_ACCOUNT to verify Google-signed tokens, or neither.`);
    }
    if (audience === undefined || accounts === undefined) return undefined;
    const serviceAccountEmail = accounts.split(",").map((account) => account.trim());
    return pubSubOidcAuthenticator({ audience, serviceAccountEmail, ...(jwksUrl === undefined ? {} : { jwksUrl }) });
  };
  const local = value("EDD_PUSH_UNAUTHENTICATED");
  if (local !== undefined && local !== "local") throw new Error('EDD_PUSH_UNAUTHENTICATED takes only the value "local".');
  const token = value("EDD_PUSH_TOKEN");
  const push = oidc("EDD_PUSH");
  const eventarc = oidc("EDD_EVENTARC");
  const scheduler = oidc("EDD_SCHEDULER");
  return {
    ...(push === undefined ? {} : { pushAuthenticator: push }),
    ...(token === undefined ? {} : { pushToken: token }),
    ...(local === undefined ? {} : { allowUnauthenticatedLocalPush: true }),
    ...(eventarc === undefined ? {} : { eventarcAuthenticator: eventarc }),
    ...(scheduler === undefined ? {} : { schedulerAuthenticator: scheduler }),
  };
}
