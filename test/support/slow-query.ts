// Test-only: a request held in flight, for what a server does while one is still running.
import { z } from "zod";
import { defineService } from "../../core/index.js";

/**
 * The service "slow", whose query Wait answers "finished" only once released; `inHandler` settles
 * when one entered it, `onFinished` runs as its handler returns.
 */
export function slowQuery(onFinished: () => void = () => {}) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let entered: () => void = () => {};
  const inHandler = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const service = defineService("slow", { initialState: () => ({}) })
    .event("Nothing", z.object({}), (s) => s)
    .query("Wait", {
      schema: z.object({}),
      handle: async () => {
        entered();
        await released;
        onFinished();
        return "finished";
      },
    })
    .build();
  return { service, inHandler, release };
}
