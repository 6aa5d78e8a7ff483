import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine } from "../core/index.js";
import { repoRoot } from "../examples/bank/build.js";
import { resources, secretSettings } from "../examples/bank/deploy/names.js";
import { bankServices } from "../examples/bank/services.js";
import { createHttpApp } from "../runtimes/http/index.js";
import { serveSettingsFromEnv } from "../runtimes/node/index.js";
import {
  commandAvailable,
  expectSettingsMatchCode,
  type Json,
  readDeployFile,
  readManifests,
  settingsReadBy,
} from "./support/deploy-files.js";

/** The Node runtime's deploy files: the container image, the Kubernetes/OpenShift manifests and the systemd unit. */

let code: ReadonlySet<string> | undefined;
beforeAll(async () => {
  code = await settingsReadBy("node");
}, 60_000);

interface Container {
  name: string;
  image: string;
  envFrom?: { configMapRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  livenessProbe?: { httpGet: { path: string } };
  readinessProbe?: { httpGet: { path: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: Json;
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: Json;
}

const { kustomization, documents } = readManifests("kubernetes");
const ofKind = (kind: string) => documents.filter((document) => document.kind === kind);
const named = (kind: string, name: string) => ofKind(kind).find((document) => (document.metadata as { name: string }).name === name);
function deployment(name: string): { replicas: number; strategy: { type: string }; template: { spec: PodSpec } } {
  const found = named("Deployment", name);
  if (found === undefined) throw new Error(`no Deployment ${name}`);
  return found.spec as ReturnType<typeof deployment>;
}
const podOf = (name: string) => deployment(name).template.spec;
const configMap = named("ConfigMap", "edd-bank")?.data as Record<string, string>;

/** What the container's process sees: the ConfigMap it loads, its own values; secrets as the marker `<secret>`. */
function environmentOf(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) Object.assign(env, named("ConfigMap", source.configMapRef?.name ?? "")?.data);
  for (const entry of container.env ?? []) env[entry.name] = entry.valueFrom?.secretKeyRef === undefined ? (entry.value ?? "") : "<secret>";
  return env;
}

describe("Kubernetes/OpenShift: examples/bank/deploy/kubernetes/", () => {
  const roles = { "edd-bank-api": "api", "edd-bank-worker": "worker" } as const;

  it("runs the API and the worker as their own Deployments, only the API behind a Service", () => {
    expect(
      ofKind("Deployment")
        .map((deployment) => (deployment.metadata as { name: string }).name)
        .sort(),
    ).toEqual(Object.keys(roles));
    for (const [name, role] of Object.entries(roles)) {
      const [container] = podOf(name).containers;
      expect(environmentOf(container as Container).EDD_ROLE, name).toBe(role);
    }
    const selectors = ofKind("Service").map(
      (service) => (service.spec as { selector: Record<string, string> }).selector["app.kubernetes.io/name"],
    );
    expect(selectors).toEqual(["edd-bank-api"]);
    expect(deployment("edd-bank-worker")).toMatchObject({ replicas: 1, strategy: { type: "Recreate" } });
    expect(kustomization.resources).not.toContain("secret.example.yaml");
  });

  it("probes liveness on /health and readiness on /ready, which the app serves", async () => {
    for (const name of Object.keys(roles)) {
      const [container] = podOf(name).containers as [Container];
      expect(container.livenessProbe?.httpGet.path).toBe("/health");
      expect(container.readinessProbe?.httpGet.path).toBe("/ready");
    }
    const app = createHttpApp(createEngine({ services: bankServices, store: new MemoryStore() }));
    for (const path of ["/health", "/ready"]) expect((await app.request(path)).status, path).toBe(200);
  });

  it("drains on SIGTERM: a preStop pause shorter than the grace period, which leaves time for in-flight requests", () => {
    for (const name of Object.keys(roles)) {
      const pod = podOf(name);
      const pause = Number(pod.containers[0]?.lifecycle?.preStop?.exec?.command[1] ?? 0);
      expect(pod.terminationGracePeriodSeconds ?? 30).toBeGreaterThanOrEqual(pause + 20);
    }
    // PID 1 is node itself, so the signal reaches it (a shell in between would swallow it).
    expect(readDeployFile("container/Dockerfile")).toMatch(/^CMD \["node", [^\]]*"index\.mjs"\]$/m);
  });

  it("takes DATABASE_URL from a Secret, sets what the bundle reads, and starts: an authenticator on 0.0.0.0", () => {
    for (const name of Object.keys(roles)) {
      const [container] = podOf(name).containers as [Container];
      const database = container.env?.find((entry) => entry.name === "DATABASE_URL");
      expect(database?.valueFrom?.secretKeyRef).toEqual({ name: resources.databaseSecret, key: "DATABASE_URL" });
      const masterKey = container.env?.find((entry) => entry.name === "EDD_MASTER_KEY");
      expect(masterKey?.valueFrom?.secretKeyRef).toEqual({ name: resources.masterKeySecret, key: "EDD_MASTER_KEY" });
      const env = environmentOf(container);
      expectSettingsMatchCode("node", code, new Set(Object.keys(env)));
      // The process's own start-up check: it would refuse anonymous serving on the pod's address.
      expect(serveSettingsFromEnv(env).authenticator).toBeTypeOf("function");
    }
    for (const name of secretSettings) expect(configMap[name], name).toBeUndefined();
  });

  it("runs as a non-root user that cannot escalate, on a read-only root filesystem, OpenShift-compatible", () => {
    for (const name of Object.keys(roles)) {
      const pod = podOf(name);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
      // OpenShift assigns the user id: a fixed runAsUser would be refused by its restricted policy.
      expect(pod.securityContext).not.toHaveProperty("runAsUser");
      expect(pod.containers[0]?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    }
    const dockerfile = readDeployFile("container/Dockerfile");
    const user = /^USER (\d+)(?::\d+)?$/m.exec(dockerfile)?.[1];
    expect(Number(user)).toBeGreaterThan(0);
    expect(dockerfile).toMatch(/docker buildx build --platform linux\/amd64/);
  });

  const kubectl = commandAvailable("kubectl", ["version", "--client"]);
  it.skipIf(!kubectl)(`renders with kubectl kustomize${kubectl ? "" : " (skipped: kubectl not installed)"}`, () => {
    const rendered = execFileSync("kubectl", ["kustomize", join(repoRoot, "examples/bank/deploy/kubernetes")], { encoding: "utf8" });
    expect(rendered).toContain("image: registry.example.com/edd-bank:0.1.0");
  });
});

describe("plain hosts: examples/bank/deploy/node/edd-bank.service (systemd)", () => {
  const unit = readDeployFile("node/edd-bank.service");
  const directives = (name: string) => [...unit.matchAll(new RegExp(`^${name}=(.*)$`, "gm"))].map((match) => match[1] as string);

  it("runs the bundle as its own user, settings from a root-only file, stopped by SIGTERM with time to drain", () => {
    expect(directives("ExecStart")).toEqual(["/usr/bin/node --enable-source-maps /opt/edd-bank/index.mjs"]);
    expect(directives("User")).toEqual(["edd"]);
    expect(directives("EnvironmentFile")).toEqual(["-/etc/edd-bank.env"]);
    expect(directives("KillSignal")).toEqual(["SIGTERM"]);
    expect(Number.parseInt(directives("TimeoutStopSec")[0] ?? "0", 10)).toBeGreaterThanOrEqual(20);
    const inline = Object.fromEntries(directives("Environment").flatMap((line) => line.split(" ").map((pair) => pair.split("=", 2))));
    for (const name of secretSettings) expect(inline[name], name).toBeUndefined();
    // Loopback unless the env file says otherwise: the process starts with or without an authenticator.
    expect(serveSettingsFromEnv(inline).server.hostname).toBe("127.0.0.1");
  });
});
