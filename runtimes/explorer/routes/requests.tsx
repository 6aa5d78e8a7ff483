/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { buildCausalTree } from "../causal-tree.js";
import { RequestsPage } from "../pages/requests.js";
import { TreePage } from "../pages/tree.js";
import { renderPage } from "../render.js";
import { type ExplorerApp, linksFor, param, type RouteDeps } from "./deps.js";

/** Log rows read for one causal tree: a deep fan-out of effects, retried, stays far below. */
const treeRowLimit = 1000;

/** The request log, searchable by request or interaction id, with the aggregates each request changed. */
export function requestRoutes(app: ExplorerApp, deps: RouteDeps): void {
  const { audit } = deps.options;
  app.get(`${deps.base}/requests/:requestId/tree`, async (c) => {
    const realm = c.var.operator.realm;
    const requestId = c.req.param("requestId").trim();
    const [rows, touched] = await Promise.all([
      audit.searchRequests({ realm, requestId, limit: treeRowLimit }),
      audit.aggregatesTouched(realm, [requestId]),
    ]);
    const tree = buildCausalTree(rows.items, touched);
    const page = (
      <TreePage
        links={linksFor(c, deps)}
        operator={c.var.operator}
        requestId={requestId}
        tree={tree}
        truncated={rows.nextCursor !== undefined}
      />
    );
    return renderPage(c, page, tree === undefined ? 404 : 200);
  });
  app.get(`${deps.base}/requests`, async (c) => {
    const realm = c.var.operator.realm;
    const before = param(c, "before");
    const search = { requestId: param(c, "requestId"), interactionId: param(c, "interactionId"), before };
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
