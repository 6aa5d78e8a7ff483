import type { MiddlewareHandler } from "hono";

/**
 * CSRF defence for the explorer's forms: a state-changing request must carry an Origin header
 * naming this very host. Browsers set Origin on every cross-site POST and pages cannot forge it.
 */
export function sameOriginPosts(refuse: (message: string) => Response): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const origin = c.req.header("origin");
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (origin === undefined || origin === "null") return refuse("This form needs an Origin header; submit it from the explorer page.");
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return refuse("The Origin header is not a URL.");
    }
    if (originHost !== host) return refuse(`A form from ${origin} may not change anything here.`);
    return next();
  };
}
