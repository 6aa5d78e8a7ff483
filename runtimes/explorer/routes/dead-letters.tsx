/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { discardDeadLetter, findDeadLetter, redriveDeadLetter } from "../../../core/pipeline/effects/dead-letters.js";
import { type DeadLetterNotice, DeadLettersPage, DiscardPage } from "../pages/dead-letters.js";
import { renderPage } from "../render.js";
import { type ExplorerApp, type ExplorerContext, linksFor, param, type RouteDeps } from "./deps.js";

/**
 * Dead letters with their two ways out. Both actions are POSTs (guarded by the same-origin check)
 * that redirect back to the list on success, so reloading the list never repeats one.
 */
export function deadLetterRoutes(
  app: ExplorerApp,
  deps: RouteDeps,
  notFound: (c: ExplorerContext, message: string) => Promise<Response>,
): void {
  const { engine } = deps.options;
  const base = `${deps.base}/dead-letters`;

  const list = async (c: ExplorerContext, notice: DeadLetterNotice | undefined, status: 200 | 404 | 409 | 422 | 500 = 200) => {
    const history = param(c, "history") === "1";
    const letters = await engine.store.listDeadLetters(c.var.operator.realm, { includeResolved: history });
    const page = (
      <DeadLettersPage
        links={linksFor(c, deps)}
        operator={c.var.operator}
        letters={letters}
        history={history}
        {...(notice === undefined ? {} : { notice })}
      />
    );
    return renderPage(c, page, status);
  };
  const done = (c: ExplorerContext, action: "redriven" | "discarded", id: string) =>
    c.redirect(`${linksFor(c, deps).deadLetters()}&done=${action}&id=${encodeURIComponent(id)}`, 303);

  app.get(base, (c) => list(c, doneNotice(param(c, "done"), param(c, "id"))));

  app.post(`${base}/:id/redrive`, async (c) => {
    const id = c.req.param("id");
    const outcome = await redriveDeadLetter(engine, id, c.var.operator.realm, { operator: c.var.operator.principal.id });
    if (outcome.outcome === "applied") return done(c, "redriven", id);
    if (outcome.outcome === "not-found")
      return list(c, { tone: "bad", text: `Dead letter ${id} is gone: already redriven or discarded.` }, 404);
    const { result } = outcome;
    const reason = "error" in result.body ? `${result.body.error.code}: ${result.body.error.message}` : `status ${result.status}`;
    const text = `Redrive of dead letter ${id} failed again (${reason}). It stays here; fix the cause and redrive it again.`;
    return list(c, { tone: "bad", text }, result.status === 409 ? 409 : result.status >= 500 ? 500 : 422);
  });

  app.get(`${base}/:id/discard`, async (c) => {
    const letter = await findDeadLetter(engine, c.req.param("id"), c.var.operator.realm);
    if (letter === undefined) return notFound(c, `Dead letter ${c.req.param("id")} is gone: already redriven or discarded.`);
    return renderPage(c, <DiscardPage links={linksFor(c, deps)} operator={c.var.operator} letter={letter} />);
  });

  app.post(`${base}/:id/discard`, async (c) => {
    // Looked up in the operator's realm first: an id alone must not reach another realm's letter.
    const id = c.req.param("id");
    if (!(await discardDeadLetter(engine, id, c.var.operator.realm, { operator: c.var.operator.principal.id })))
      return list(c, { tone: "bad", text: `Dead letter ${id} is gone: already redriven or discarded.` }, 404);
    return done(c, "discarded", id);
  });
}

/** The confirmation after a redirect; only known words and a plain id are echoed. */
function doneNotice(done: string, id: string): DeadLetterNotice | undefined {
  if (!/^[\w-]{1,64}$/.test(id)) return undefined;
  if (done === "redriven") return { tone: "ok", text: `Dead letter ${id} was redriven; its record stays in the history.` };
  if (done === "discarded") return { tone: "ok", text: `Dead letter ${id} was discarded.` };
  return undefined;
}
