/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { AuditQueryNotSupportedError, type Page } from "../../../core/ports/audit.js";
import { type Listing, PrincipalPage } from "../pages/principal.js";
import { renderPage } from "../render.js";
import { type ExplorerApp, linksFor, param, type RouteDeps } from "./deps.js";

/** What one principal initiated: the requests it sent and the events written on its behalf. */
export function principalRoutes(app: ExplorerApp, deps: RouteDeps): void {
  const { audit } = deps.options;
  app.get(`${deps.base}/principals/:id`, async (c) => {
    const realm = c.var.operator.realm;
    const principal = c.req.param("id");
    // Cursors are checked by storableParams: digits within int8, or absent.
    const cursors = { before: param(c, "before"), eventsBefore: param(c, "eventsBefore") };
    const search = { realm, principal, limit: deps.pageSize };
    const [requests, events] = await Promise.all([
      listing(audit.requestsBy({ ...search, ...(cursors.before === "" ? {} : { before: cursors.before }) })),
      listing(audit.eventsInitiatedBy({ ...search, ...(cursors.eventsBefore === "" ? {} : { before: cursors.eventsBefore }) })),
    ]);
    const page = (
      <PrincipalPage
        links={linksFor(c, deps)}
        operator={c.var.operator}
        principal={principal}
        cursors={cursors}
        requests={requests}
        events={events}
      />
    );
    return renderPage(c, page);
  });
}

/** A store without an index for the query says so on the page; anything else fails the page. */
async function listing<T>(query: Promise<Page<T>>): Promise<Listing<T>> {
  try {
    return { page: await query };
  } catch (error) {
    if (error instanceof AuditQueryNotSupportedError) {
      return {
        unsupported: `This store (${error.backend}) cannot list these: it keeps no index for them. The request log and each aggregate's timeline still name the initiator.`,
      };
    }
    throw error;
  }
}
