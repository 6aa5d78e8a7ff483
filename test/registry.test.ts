import { describe, expect, it } from "vitest";
import type { Service } from "../core/model/service.js";
import { ServiceRegistry } from "../core/pipeline/registry.js";

/** Only what the registry reads: each service's command and query definitions by name. */
const service = (name: string, commands: readonly string[], queries: readonly string[] = []) =>
  ({
    name,
    commands: Object.fromEntries(commands.map((command) => [command, { command, of: name }])),
    queries: Object.fromEntries(queries.map((query) => [query, { query, of: name }])),
  }) as unknown as Service;

describe("ServiceRegistry", () => {
  const registry = () => new ServiceRegistry([service("accounts", ["Open", "Close"], ["Find"]), service("cards", ["Open", "Block"])]);

  it("finds a command's service, the same answer every time", () => {
    const services = registry();
    const first = services.command("Close");
    expect(first.service.name).toBe("accounts");
    expect(services.command("Close")).toEqual(first);
    expect(services.command("Open", "cards").definition).toEqual({ command: "Open", of: "cards" });
    expect(services.command("Open", "accounts").definition).toEqual({ command: "Open", of: "accounts" });
    expect(services.query("Find").service.name).toBe("accounts");
  });

  it("refuses an ambiguous name every time, also after the same name resolved with its service named", () => {
    const services = registry();
    expect(() => services.command("Open")).toThrow(/exists in accounts, cards/);
    services.command("Open", "accounts");
    services.command("Open", "cards");
    expect(() => services.command("Open")).toThrow(/exists in accounts, cards/);
  });

  it("refuses unknown names every time, whatever was resolved before", () => {
    const services = registry();
    services.command("Block", "cards");
    services.command("Close");
    expect(() => services.command("Block", "accounts")).toThrow(/No command named Block in service accounts/);
    expect(() => services.command("Close", "cards")).toThrow(/No command named Close in service cards/);
    // A command name is not a query name, and names of no service's own are unknown.
    expect(() => services.query("Close")).toThrow(/No query named Close/);
    expect(() => services.command("Find")).toThrow(/No command named Find/);
    for (const name of ["toString", "__proto__", "constructor", "cards\u0000Block"]) {
      expect(() => services.command(name)).toThrow(/No command named/);
    }
    expect(() => services.command("Block", "nowhere")).toThrow(/in service nowhere/);
  });
});
