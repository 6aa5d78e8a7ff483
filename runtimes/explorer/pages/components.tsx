/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import type { Breadcrumbs } from "../../../core/model/breadcrumbs.js";
import type { ExplorerLinks } from "../links.js";
import type { OperatorView } from "../access.js";

/** Any stored JSON, shown as text: JSX escapes it, so data can never become markup. */
export function Json({ value }: { value: unknown }) {
  return <pre>{JSON.stringify(value, null, 2) ?? "undefined"}</pre>;
}

/** JSON that may be long, folded away behind a summary. */
export function FoldedJson({ summary, value }: { summary: string; value: unknown }) {
  return (
    <details>
      <summary>{summary}</summary>
      <Json value={value} />
    </details>
  );
}

export function Time({ iso }: { iso: string | undefined }) {
  return iso === undefined ? <span class="muted">—</span> : <time datetime={iso}>{iso.replace("T", " ").replace("Z", " UTC")}</time>;
}

/** Breadcrumbs read as where in an effect chain a request sits: [0] is the original request. */
export function BreadcrumbPath({ breadcrumbs }: { breadcrumbs: Breadcrumbs }) {
  const label = breadcrumbs.length <= 1 ? "original request" : `effect, depth ${breadcrumbs.length - 1}`;
  return (
    <span>
      <code>{breadcrumbs.join(" › ")}</code> <span class="muted">({label})</span>
    </span>
  );
}

export function Status({ status }: { status: number | undefined }) {
  if (status === undefined) return <span class="muted">no outcome recorded</span>;
  return <span class={status < 300 ? "ok" : "bad"}>{status}</span>;
}

/** A one-line message announced to screen readers when it appears after a form post. */
export function Notice({ tone, children }: { tone: "ok" | "bad"; children?: Child }) {
  return (
    <p class={tone === "bad" ? "notice bad" : "notice"} role="status">
      {children}
    </p>
  );
}

export function NextPage({ href, label }: { href: string | undefined; label: string }) {
  return href === undefined ? null : (
    <p>
      <a href={href} rel="next">
        {label}
      </a>
    </p>
  );
}

/** A realm picker when the operator may see several realms; otherwise the realm rides along hidden. */
export function RealmField({ operator }: { operator: OperatorView }) {
  if (operator.realms.length === 1) return <input type="hidden" name="realm" value={operator.realm} />;
  return (
    <label>
      Realm
      <select name="realm">
        {operator.realms.map((realm) => (
          <option value={realm} selected={realm === operator.realm}>
            {realm}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A request id linked to its log entry, with a link to its causal tree. */
export function RequestLinks({ links, requestId }: { links: ExplorerLinks; requestId: string }) {
  return (
    <>
      <a href={links.requests({ requestId })}>{requestId}</a>{" "}
      <a href={links.tree(requestId)} aria-label={`Causal tree of request ${requestId}`}>
        tree
      </a>
    </>
  );
}
