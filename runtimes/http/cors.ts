import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { hostName } from "../shared/loopback.js";

/** Which browser pages may call the API from another origin. */
export interface CorsOptions {
  /** Exact origins, e.g. `["https://app.example.com", "http://localhost:5173"]`: scheme, host and port. */
  readonly origins: readonly string[];
  /** Seconds a browser may reuse a preflight answer (default 600). */
  readonly maxAgeSeconds?: number;
}

export interface BrowserGuardOptions {
  readonly cors?: CorsOptions;
  /**
   * Host names (without port) the app answers to; any other `Host` is refused. Against DNS
   * rebinding: a page that points its own name at 127.0.0.1 still sends its own name.
   */
  readonly allowedHosts?: readonly string[];
}

/** Requests that change something: a browser page from another origin must not send them unchecked. */
const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * What stands between a browser and the API, in order: the Host allow-list, the refusal of
 * state-changing requests from origins that are not allowed (CSRF), and CORS for those that are.
 * Clients that are not browsers send no `Origin` and no `Sec-Fetch-Site` and pass untouched.
 */
export function browserGuards(options: BrowserGuardOptions, refuse: (c: Context, message: string) => Response): MiddlewareHandler[] {
  assertCorsOrigins(options.cors?.origins ?? []);
  const allowedOrigins = new Set(options.cors?.origins ?? []);
  const allowedHosts = options.allowedHosts === undefined ? undefined : new Set(options.allowedHosts.map((host) => host.toLowerCase()));
  const guards: MiddlewareHandler[] = [];

  if (allowedHosts !== undefined) {
    guards.push(async (c, next) => {
      const host = hostName(c.req.header("host") ?? new URL(c.req.url).host) ?? "";
      if (!allowedHosts.has(host)) return refuse(c, `This service does not answer to host "${host}".`);
      await next();
    });
  }

  guards.push(async (c, next) => {
    const origin = c.req.header("origin");
    const preflight = c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined;
    if (safeMethods.has(c.req.method) && !preflight) return next();
    if (origin !== undefined) {
      if (origin === "null" || !(allowedOrigins.has(origin) || isSameOrigin(origin, c))) {
        return refuse(c, `Requests from pages on ${origin} are not allowed here; the service lists the origins it accepts.`);
      }
    } else if (!["same-origin", "none", undefined].includes(c.req.header("sec-fetch-site"))) {
      return refuse(c, "Cross-site requests are not allowed here.");
    }
    await next();
  });

  if (allowedOrigins.size > 0) {
    guards.push(
      cors({
        origin: (origin) => (allowedOrigins.has(origin) ? origin : null),
        allowMethods: ["GET", "POST"],
        allowHeaders: ["authorization", "content-type"],
        maxAge: options.cors?.maxAgeSeconds ?? 600,
      }),
    );
  }
  return guards;
}

/** Throws unless every entry is an exact origin (`https://app.example.com`): no wildcards, paths or "null". */
export function assertCorsOrigins(origins: readonly string[]): void {
  for (const origin of origins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin || origin.includes("*")) {
      throw new Error(`CORS origins are exact origins such as https://app.example.com, not ${JSON.stringify(origin)}.`);
    }
  }
}

/** A page of this very service (the explorer's forms, say): its origin names the Host it was served from. */
function isSameOrigin(origin: string, c: Context): boolean {
  const host = c.req.header("host") ?? new URL(c.req.url).host;
  return URL.canParse(origin) && new URL(origin).host === host.toLowerCase();
}
