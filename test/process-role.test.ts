import { describe, expect, it } from "vitest";
import { serveSettingsFromEnv } from "../runtimes/node/index.js";

describe("EDD_ROLE splits the Node process into API replicas and one worker", () => {
  it("runs everything by default, only the API for api, the relay and projections for worker, and refuses anything else", () => {
    expect(serveSettingsFromEnv({})).toMatchObject({ role: "all", runsWorkers: true });
    expect(serveSettingsFromEnv({}).server).not.toHaveProperty("relay");
    const api = serveSettingsFromEnv({ EDD_ROLE: "api" });
    expect(api).toMatchObject({ role: "api", runsWorkers: false, server: { relay: false } });
    const worker = serveSettingsFromEnv({ EDD_ROLE: "worker" });
    expect(worker).toMatchObject({ role: "worker", runsWorkers: true });
    expect(worker.server).not.toHaveProperty("relay");
    expect(() => serveSettingsFromEnv({ EDD_ROLE: "workers" })).toThrow(/EDD_ROLE is one of all, api, worker \(got "workers"\)/);
  });
});
