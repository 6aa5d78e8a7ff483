/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import type { OperatorView } from "../access.js";
import type { ExplorerLinks } from "../links.js";

export type Section = "aggregates" | "requests" | "dead-letters";

interface LayoutProps {
  readonly title: string;
  readonly section: Section;
  readonly links: ExplorerLinks;
  readonly operator: OperatorView;
  readonly children?: Child;
}

const sections: readonly { id: Section; label: string; href: (links: ExplorerLinks) => string }[] = [
  { id: "aggregates", label: "Aggregates", href: (links) => links.home() },
  { id: "requests", label: "Request log", href: (links) => links.requests() },
  { id: "dead-letters", label: "Dead letters", href: (links) => links.deadLetters() },
];

/** The frame of every page: skip link, navigation that marks the current section, the realm shown. */
export function Layout({ title, section, links, operator, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · edd audit explorer`}</title>
        <link rel="stylesheet" href={links.style} />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header>
          <strong>edd audit explorer</strong>
          <nav aria-label="Explorer">
            <ul>
              {sections.map((entry) => (
                <li>
                  <a href={entry.href(links)} aria-current={entry.id === section ? "page" : undefined}>
                    {entry.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <p>
            Realm <strong>{operator.realm}</strong> · signed in as {operator.principal.id}
          </p>
        </header>
        <main id="main">
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  );
}

/** A page for refusals and missing things, without navigation (the visitor may not be an operator). */
export function ErrorPage({ title, message, stylePath }: { title: string; message: string; stylePath: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>{`${title} · edd audit explorer`}</title>
        <link rel="stylesheet" href={stylePath} />
      </head>
      <body>
        <main id="main">
          <h1>{title}</h1>
          <p>{message}</p>
        </main>
      </body>
    </html>
  );
}
