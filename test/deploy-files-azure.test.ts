import { beforeAll, describe, expect, it, vi } from "vitest";
import { azureFunctions, azureScheduleSettings, resources, schedules, secretSettings } from "../examples/bank/deploy/names.js";
import {
  bicepAppSettings,
  bicepResources,
  bicepVar,
  commandAvailable,
  expectSettingsMatchCode,
  readDeployFile,
  settingsReadBy,
  standIn,
} from "./support/deploy-files.js";

/**
 * examples/bank/deploy/azure-functions/main.bicep against the code and deploy/names.ts. No Bicep CLI
 * is installed here (`az bicep` needs the network), so the file is read structurally: resource blocks,
 * properties and app settings.
 */

// The bank's Azure entry registers its functions on @azure/functions' `app`; record what it registers.
const registered = vi.hoisted(() => [] as { trigger: string; name: string; options: Record<string, unknown> }[]);
vi.mock("@azure/functions", () => ({
  app: new Proxy(
    {},
    {
      get: (_target, trigger) => (name: string, options: Record<string, unknown>) => {
        registered.push({ trigger: String(trigger), name, options });
      },
    },
  ),
}));

const bicep = readDeployFile("azure-functions/main.bicep");
const declared = bicepResources(bicep);
const only = (type: string) => {
  const found = declared.filter((resource) => resource.type === type);
  expect(
    found.map((resource) => resource.symbol),
    type,
  ).toHaveLength(1);
  return found[0]?.body ?? "";
};
const settings = bicepAppSettings(only("Microsoft.Web/sites"));
const unquote = (value: string | undefined) => /^'([^']*)'$/.exec(value ?? "")?.[1];

let code: ReadonlySet<string> | undefined;
beforeAll(async () => {
  code = await settingsReadBy("azure-functions");
}, 60_000);

// Import the entry with the app settings the file gives it (stand-ins for values known only once deployed).
const variables: Record<string, string | undefined> = {
  queueName: bicepVar(bicep, "queueName"),
  commandsContainerName: bicepVar(bicep, "commandsContainerName"),
};
for (const [name, value] of settings) vi.stubEnv(name, unquote(value) ?? variables[value] ?? standIn(name));
await import("../examples/bank/entry/azure-functions.js");
vi.unstubAllEnvs();
const names = new Set(registered.map((registration) => registration.name));
const functionsPending = Object.values(azureFunctions).every((name) => !names.has(name));

describe("Azure: examples/bank/deploy/azure-functions/main.bicep", () => {
  it("gives the Function App a managed identity and reads DATABASE_URL through a Key Vault reference", () => {
    expect(only("Microsoft.Web/sites")).toMatch(/identity: \{ type: 'SystemAssigned' \}/);
    only("Microsoft.KeyVault/vaults");
    for (const name of secretSettings.filter((secret) => settings.has(secret))) {
      expect(settings.get(name), name).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=\$\{\w+\.properties\.secretUri\}\)'$/);
    }
    expect(settings.has("DATABASE_URL")).toBe(true);
    expect(settings.has("EDD_MASTER_KEY")).toBe(true);
    // Every secret the app settings reference is one this file writes into the vault.
    for (const [, value] of settings) {
      const secret = /KeyVault\(SecretUri=\$\{(\w+)\./.exec(value)?.[1];
      if (secret !== undefined)
        expect(declared.find((resource) => resource.symbol === secret)?.type).toBe("Microsoft.KeyVault/vaults/secrets");
    }
  });

  it("sets what the bundle reads, and nothing that opens a door", () => {
    expectSettingsMatchCode("azure-functions", code, new Set(settings.keys()));
  });

  it("provisions a Standard Service Bus with the session-enabled, duplicate-detecting command queue the app consumes", () => {
    expect(only("Microsoft.ServiceBus/namespaces")).toMatch(/sku: \{ name: 'Standard', tier: 'Standard' \}/);
    const queue = only("Microsoft.ServiceBus/namespaces/queues");
    expect(queue).toMatch(/name: queueName\n/);
    expect(queue).toMatch(/requiresSession: true\n/);
    expect(queue).toMatch(/requiresDuplicateDetection: true\n/);
    expect(bicepVar(bicep, "queueName")).toBe(resources.commandQueue);
    expect(settings.get("EDD_COMMAND_QUEUE")).toBe("queueName");
    expect(settings.get("EDD_SERVICE_BUS__fullyQualifiedNamespace")).toMatch(/servicebus\.windows\.net/);
  });

  it("provisions PostgreSQL Flexible Server on a private subnet, and the commands blob container", () => {
    expect(only("Microsoft.DBforPostgreSQL/flexibleServers")).toMatch(/delegatedSubnetResourceId: /);
    expect(only("Microsoft.Storage/storageAccounts/blobServices/containers")).toMatch(/name: commandsContainerName\n/);
    expect(bicepVar(bicep, "commandsContainerName")).toBe(resources.commandsContainer);
    expect(only("Microsoft.Storage/storageAccounts")).toMatch(/allowBlobPublicAccess: false/);
  });

  it("gives the timers their schedules, and the HTTP trigger (authLevel anonymous) edd's JWT guard", () => {
    for (const kind of ["sweep", "project"] as const)
      expect(unquote(settings.get(azureScheduleSettings[kind]))).toBe(schedules.azure[kind]);
    for (const name of ["EDD_JWT_ISSUER", "EDD_JWT_AUDIENCE", "EDD_JWT_JWKS_URL"]) expect(settings.has(name), name).toBe(true);
    expect(settings.has("EDD_ANONYMOUS")).toBe(false);
  });

  it("grants the identity roles on single resources, never Owner or Contributor", () => {
    const grants = declared.filter((resource) => resource.type === "Microsoft.Authorization/roleAssignments");
    expect(grants.length).toBeGreaterThanOrEqual(3);
    for (const grant of grants) {
      expect(grant.body).toMatch(/scope: \w+\n/);
      expect(grant.body).toMatch(/principalId: functionApp\.identity\.principalId/);
    }
    expect(bicep).not.toMatch(/8e3af657-a8ff-443c-a75c-2fe8c4bcb635|b24988ac-6180-42a0-ab88-20f7382dd24c/);
  });

  it.skipIf(functionsPending)(
    `finds every function the bank's entry registers, with the trigger and settings the file provides${functionsPending ? ` (skipped: the entry registers ${[...names].join(", ")} so far)` : ""}`,
    () => {
      const trigger = (name: string) => registered.find((registration) => registration.name === name);
      expect(trigger(azureFunctions.http)?.trigger).toBe("http");
      expect(trigger(azureFunctions.queue)).toMatchObject({ trigger: "serviceBusQueue", options: { queueName: resources.commandQueue } });
      for (const kind of ["sweep", "project"] as const) {
        // The timer reads the file's schedule: as a %setting% reference, or the setting's value at start.
        expect(trigger(azureFunctions[kind])?.trigger).toBe("timer");
        expect([`%${azureScheduleSettings[kind]}%`, schedules.azure[kind]]).toContain(trigger(azureFunctions[kind])?.options.schedule);
      }
      expect(trigger(azureFunctions.objects)?.trigger).toBe("storageBlob");
      expect(String(trigger(azureFunctions.objects)?.options.path)).toMatch(new RegExp(`^${resources.commandsContainer}/`));
    },
  );

  const bicepCli = commandAvailable("bicep");
  it.skipIf(!bicepCli)(`builds with the Bicep CLI${bicepCli ? "" : " (skipped: no Bicep CLI installed)"}`, async () => {
    const { execFileSync } = await import("node:child_process");
    const { repoRoot } = await import("../examples/bank/build.js");
    execFileSync("bicep", ["build", "--stdout", `${repoRoot}examples/bank/deploy/azure-functions/main.bicep`], { stdio: "pipe" });
  });
});
