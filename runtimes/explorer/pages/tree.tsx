/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { OperatorView } from "../access.js";
import { type CausalNode, countNodes } from "../causal-tree.js";
import type { ExplorerLinks } from "../links.js";
import { BreadcrumbPath, Status } from "./components.js";
import { Layout } from "./layout.js";

export interface TreeProps {
  readonly links: ExplorerLinks;
  readonly operator: OperatorView;
  readonly requestId: string;
  readonly tree: CausalNode | undefined;
  /** The log held more rows than were read: the tree may miss steps. */
  readonly truncated: boolean;
}

/** One request drawn as the tree of what it caused: each effect under the step whose event caused it. */
export function TreePage({ links, operator, requestId, tree, truncated }: TreeProps) {
  return (
    <Layout title={`Causal tree of request ${requestId}`} section="requests" links={links} operator={operator}>
      {tree === undefined ? (
        <p>
          No request {requestId} in realm {operator.realm}: nothing was logged or written under that id.
        </p>
      ) : (
        <>
          <p>
            {countNodes(tree)} steps across {servicesOf(tree).join(", ") || "no service"}.{" "}
            <a href={links.requests({ requestId })}>The same request as a list</a>
          </p>
          {truncated && <p class="bad">The request log has more rows for this request than one page; later steps may be missing.</p>}
          <ul class="tree" aria-label={`Causal tree of request ${requestId}`}>
            <TreeNode links={links} node={tree} />
          </ul>
        </>
      )}
    </Layout>
  );
}

function TreeNode({ links, node }: { links: ExplorerLinks; node: CausalNode }) {
  const latest = node.attempts.at(-1);
  return (
    <li data-breadcrumbs={node.breadcrumbs.join(".")}>
      <div class="node">
        <BreadcrumbPath breadcrumbs={node.breadcrumbs} />{" "}
        {node.commands.map((command) => (
          <strong>
            {command.service === undefined ? "" : `${command.service}.`}
            {command.command} on {command.aggregateId}{" "}
          </strong>
        ))}
        {latest === undefined ? <span class="muted">not in the request log</span> : <Status status={latest.outcome?.status} />}
        {latest?.outcome?.errorCode !== undefined && <span class="bad"> {latest.outcome.errorCode}</span>}
        {node.attempts.length > 1 && <span class="muted"> after {node.attempts.length} deliveries</span>}
        {node.cause !== undefined && (
          <div class="muted">
            caused by{" "}
            <a href={links.timeline(node.cause.service, node.cause.aggregateId, node.cause.sequence)}>
              {node.cause.type} ({node.cause.service}/{node.cause.aggregateId} #{node.cause.sequence})
            </a>
          </div>
        )}
        {node.writes.length > 0 && (
          <ul class="events-written" aria-label="Events written">
            {node.writes.flatMap((write) =>
              write.sequences.map((sequence, index) => (
                <li>
                  <a href={links.timeline(write.service, write.aggregateId, sequence)}>
                    {write.types?.[index] ?? "event"} → {write.service}/{write.aggregateId} #{sequence}
                  </a>
                </li>
              )),
            )}
          </ul>
        )}
      </div>
      {node.children.length > 0 && (
        <ul class="children">
          {node.children.map((child) => (
            <TreeNode links={links} node={child} />
          ))}
        </ul>
      )}
    </li>
  );
}

function servicesOf(node: CausalNode, into = new Set<string>()): string[] {
  for (const write of node.writes) into.add(write.service);
  for (const command of node.commands) if (command.service !== undefined) into.add(command.service);
  for (const child of node.children) servicesOf(child, into);
  return [...into].sort();
}
