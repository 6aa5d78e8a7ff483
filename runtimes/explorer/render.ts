import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { HtmlEscapedString } from "hono/utils/html";

export type PageElement = HtmlEscapedString | Promise<HtmlEscapedString>;

/** A full HTML page: JSX cannot write the doctype, so it is prepended here. */
export async function renderPage(c: Context, page: PageElement, status: ContentfulStatusCode = 200): Promise<Response> {
  return c.html(`<!doctype html>${await page}`, status);
}

/**
 * Audit pages hold personal data and must not be cached, framed or run scripts: there are none,
 * and the policy makes sure injected markup could not run any either.
 */
export const securityHeaders: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "cache-control": "no-store",
  // Not "no-referrer": under it browsers send `Origin: null` on form posts, which the same-origin check refuses.
  "referrer-policy": "same-origin",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};
