// Test-only: a client that hangs up while its request is still being handled, then the server closing.
import type { NodeServer } from "../../runtimes/node/index.js";

/**
 * Posts `body` to `path`, hangs up once `entered` settles, starts `server.close()`, gives a close
 * that ignored the request time to reach the store, then `release`s the request and waits for the
 * close. The caller's `order` records what happened; the caller asserts on it.
 */
export async function hangUpThenClose(
  server: NodeServer,
  request: { readonly path: string; readonly body: string },
  held: { readonly entered: Promise<void>; readonly release: () => void; readonly order: readonly string[] },
): Promise<unknown> {
  const hangUp = new AbortController();
  const inFlight = fetch(`${server.url}${request.path}`, { method: "POST", body: request.body, signal: hangUp.signal }).catch(
    () => "hung up",
  );
  await held.entered;
  hangUp.abort();
  const answer = await inFlight;
  const closed = server.close();
  // Long enough for a close() that ignores the request to reach the store once the socket is gone.
  for (let i = 0; i < 20 && held.order.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  held.release();
  await closed;
  return answer;
}
