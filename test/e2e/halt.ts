import type { Engine } from "../../core/pipeline/engine.js";

/** Where a consumer freezes: just before it runs an effect command, or just after it was applied and before that is acknowledged. */
export interface HaltPoint {
  readonly phase: "before" | "after";
  readonly command: string;
}

/** "after:CreditForTransfer" → { phase: "after", command: "CreditForTransfer" }; empty or unset → no halt. */
export function parseHaltPoint(text: string | undefined): HaltPoint | undefined {
  if (text === undefined || text === "") return undefined;
  const match = /^(before|after):(\w+)$/.exec(text);
  if (match === null) throw new Error(`EDD_E2E_HALT must look like before:<Command> or after:<Command>, not "${text}"`);
  return { phase: match[1] as HaltPoint["phase"], command: match[2] as string };
}

function commandNameOf(body: unknown): string | undefined {
  const commands = (body as { commands?: { command?: unknown }[] } | null)?.commands;
  const name = Array.isArray(commands) ? commands[0]?.command : undefined;
  return typeof name === "string" ? name : undefined;
}

/**
 * The engine the effect consumer (relay or queue worker) uses, frozen forever at `point`: the
 * test SIGKILLs the process once it announced the halt, so the crash lands exactly in the window
 * between applying an effect and acknowledging it (or between claiming and applying it).
 */
export function haltingEngine(engine: Engine, point: HaltPoint | undefined, announce: (point: HaltPoint, body: unknown) => void): Engine {
  if (point === undefined) return engine;
  const haltOn = (phase: HaltPoint["phase"], body: unknown): Promise<void> => {
    if (phase !== point.phase || commandNameOf(body) !== point.command) return Promise.resolve();
    announce(point, body);
    return new Promise<void>(() => {});
  };
  return {
    ...engine,
    async command(body, principal, options) {
      await haltOn("before", body);
      const result = await engine.command(body, principal, options);
      await haltOn("after", body);
      return result;
    },
  };
}
