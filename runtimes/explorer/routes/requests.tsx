/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { RequestsPage } from "../pages/requests.js";
import { renderPage } from "../render.js";
import { type ExplorerApp, linksFor, param, type RouteDeps } from "./deps.js";

/** The request log, searchable by request or interaction id, with the aggregates each request changed. */
export function requestRoutes(app: ExplorerApp, deps: RouteDeps): void {
  const { audit } = deps.options;
  app.get(`${deps.base}/requests`, async (c) => {
    const realm = c.var.operator.realm;
    const search = { requestId: param(c, "requestId"), interactionId: param(c, "interactionId") };
    const before = param(c, "before");
    const requests = await audit.searchRequests({
      realm,
      limit: deps.pageSize,
      ...(search.requestId === "" ? {} : { requestId: search.requestId }),
      ...(search.interactionId === "" ? {} : { interactionId: search.interactionId }),
      ...(/^\d+$/.test(before) ? { before } : {}),
    });
    const requestIds = [...new Set(requests.items.map((request) => request.requestId))];
    const touched = await audit.aggregatesTouched(realm, requestIds);
    return renderPage(
      c,
      <RequestsPage links={linksFor(c, deps)} operator={c.var.operator} search={search} requests={requests} touched={touched} />,
    );
  });
}
