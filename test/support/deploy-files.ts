import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { parse, parseAllDocuments, type Tags } from "yaml";
import { forbiddenSettings, optionalSettings } from "../../examples/bank/deploy/names.js";
import { type BankRuntime, bundle, repoRoot } from "../../examples/bank/build.js";

/** Readers for the deploy files in examples/bank/deploy, for test/deploy-files.test.ts. */

export const deployDir = join(repoRoot, "examples/bank/deploy");
export const readDeployFile = (path: string) => readFileSync(join(deployDir, path), "utf8");

const intrinsics = [
  "Ref",
  "Condition",
  "Sub",
  "GetAtt",
  "Join",
  "If",
  "Equals",
  "Select",
  "Split",
  "FindInMap",
  "ImportValue",
  "Base64",
  "Not",
  "And",
  "Or",
];
const intrinsicKey = (name: string) => (name === "Ref" || name === "Condition" ? name : `Fn::${name}`);

/** CloudFormation's short forms (`!Ref X`, `!GetAtt A.B`, `!Sub [...]`) read as their long JSON forms. */
const cloudFormationTags: Tags = intrinsics.flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => ({ [intrinsicKey(name)]: name === "GetAtt" ? value.split(".") : value }) },
  { tag: `!${name}`, collection: "seq" as const, resolve: (seq: { toJSON(): unknown }) => ({ [intrinsicKey(name)]: seq.toJSON() }) },
]) as Tags;

export type Json = Record<string, unknown>;

export function readCloudFormation(path: string): Json {
  return parse(readDeployFile(path), { customTags: cloudFormationTags }) as Json;
}

/** Every document of every manifest a kustomization lists. */
export function readManifests(folder: string): { kustomization: Json; documents: Json[] } {
  const kustomization = parse(readDeployFile(join(folder, "kustomization.yaml"))) as Json;
  const files = kustomization.resources as string[];
  const documents = files.flatMap((file) =>
    parseAllDocuments(readDeployFile(join(folder, file))).map((document) => document.toJS() as Json),
  );
  return { kustomization, documents };
}

export interface BicepResource {
  readonly symbol: string;
  readonly type: string;
  readonly body: string;
}

/** Top-level `resource <symbol> '<type>@<version>' = { ... }` blocks, found by matching braces. */
export function bicepResources(text: string): BicepResource[] {
  const resources: BicepResource[] = [];
  for (const match of text.matchAll(/^resource (\w+) '([^@']+)@[^']+' = \{/gm)) {
    const start = (match.index ?? 0) + match[0].length - 1;
    let depth = 0;
    let end = start;
    for (; end < text.length; end++) {
      if (text[end] === "{") depth++;
      if (text[end] === "}" && --depth === 0) break;
    }
    resources.push({ symbol: match[1] as string, type: match[2] as string, body: text.slice(start, end + 1) });
  }
  return resources;
}

/** `{ name: 'X', value: ... }` entries of a Bicep `appSettings` list: name to the raw value expression. */
export function bicepAppSettings(body: string): Map<string, string> {
  return new Map([...body.matchAll(/\{ name: '([^']+)', value: (.+) \}$/gm)].map((match) => [match[1] as string, match[2] as string]));
}

/** A Bicep `var name = 'value'`. */
export function bicepVar(text: string, name: string): string | undefined {
  return new RegExp(`^var ${name} = '([^']*)'$`, "m").exec(text)?.[1];
}

/** Names set by `gcloud run deploy --set-env-vars` (either delimiter syntax) and `--set-secrets`. */
export function cloudRunSettings(script: string): { plain: Map<string, string>; secrets: Map<string, string> } {
  const flag = (name: string) => [...script.matchAll(new RegExp(`--${name} "([^"]+)"`, "g"))].map((match) => match[1] as string);
  const pairs = (value: string) => {
    const custom = /^\^(.)\^/.exec(value);
    const items = custom === null ? value.split(",") : value.slice(3).split(custom[1] as string);
    return items.map((item) => item.split("=", 2) as [string, string]);
  };
  return {
    plain: new Map(flag("set-env-vars").flatMap(pairs)),
    secrets: new Map(flag("set-secrets").flatMap(pairs)),
  };
}

/** A shell variable's default in the script: `NAME="value"` or `NAME="${NAME:-value}"`. */
export function shellVar(script: string, name: string): string | undefined {
  const match = new RegExp(`^${name}="(?:\\$\\{${name}:-)?([^"}]*)\\}?"$`, "m").exec(script);
  return match?.[1];
}

/**
 * The settings a bank bundle can read: every EDD_*, DATABASE_URL and DYNAMODB_ENDPOINT its built code
 * (the entry and every chunk it may load) names. Built the way `npm run build` builds it.
 */
export async function settingsReadBy(runtime: BankRuntime): Promise<Set<string>> {
  const outdir = mkdtempSync(join(tmpdir(), `edd-deploy-${runtime}-`));
  try {
    await bundle(runtime, { entry: join(repoRoot, "examples/bank/entry", `${runtime}.ts`) }, outdir);
    const names = new Set<string>();
    for (const file of readdirSync(outdir, { recursive: true }).map(String)) {
      if (!file.endsWith(".mjs")) continue;
      for (const match of readFileSync(join(outdir, file), "utf8").matchAll(
        /\b(?:EDD_[A-Z0-9_]*[A-Z0-9]|DATABASE_URL|DYNAMODB_ENDPOINT)\b/g,
      )) {
        names.add(match[0]);
      }
    }
    return names;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** A plausible value for a setting whose real value exists only once deployed (a resource's URL, a secret). */
export function standIn(name: string): string {
  if (name === "DATABASE_URL") return "";
  if (/URL|URI|ISSUER/.test(name)) return "https://stand-in.example/";
  return `stand-in-${name.toLowerCase()}`;
}

/** Whether a command runs here (`cfn-lint --version`), so a check that needs it can skip with the reason. */
export function commandAvailable(command: string, args: readonly string[] = ["--version"]): boolean {
  try {
    execFileSync(command, [...args], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Settings the platform or Node itself reads, not edd. */
const platformSettings = /^(NODE_OPTIONS|NODE_ENV|HOST|PORT|FUNCTIONS_\w+|AzureWebJobsStorage__\w+|WEBSITE_\w+|APPLICATIONINSIGHTS_\w+)$/;
/**
 * Set ahead of the bundles reading them (issue 13's runtime half: JWT on the serverless entries, timers'
 * schedules, uploads, Cloud Scheduler and Eventarc audiences, projections in the Node entry); remove a
 * name once every bundle given it reads it.
 */
const awaitingRuntimes = [
  "EDD_JWT_ISSUER",
  "EDD_JWT_AUDIENCE",
  "EDD_JWT_JWKS_URL",
  "EDD_SWEEP_SCHEDULE",
  "EDD_PROJECT_SCHEDULE",
  "EDD_REALMS",
  "EDD_UPLOADS",
  "EDD_UPLOADS_CONTAINER",
  "EDD_UPLOADS_STORAGE",
  "EDD_EVENTARC_AUDIENCE",
  "EDD_EVENTARC_SERVICE_ACCOUNT",
  "EDD_SCHEDULER_AUDIENCE",
  "EDD_SCHEDULER_SERVICE_ACCOUNT",
  "EDD_GCS_HMAC_ACCESS_ID",
  "EDD_GCS_HMAC_SECRET",
];

/**
 * Whether setting `set` gives the code's `read` a value: the same name, an identity-based connection's
 * parts (`EDD_SERVICE_BUS__fullyQualifiedNamespace`), or a family the code reads by prefix
 * (`EDD_PUSH` + `_AUDIENCE`).
 */
const gives = (set: string, read: string) => set === read || set.startsWith(`${read}_`);

/** The settings agreement of one deploy file with the bundle it deploys. */
export function expectSettingsMatchCode(runtime: BankRuntime, code: ReadonlySet<string> | undefined, set: ReadonlySet<string>): void {
  if (code === undefined || code.size === 0) throw new Error(`the ${runtime} bundle was not built, or names no setting`);
  const missing = [...code].filter(
    (name) => ![...set].some((setting) => gives(setting, name)) && !(name in optionalSettings) && !(name in forbiddenSettings),
  );
  expect(missing, `read by the ${runtime} bundle but set nowhere and not listed optional in deploy/names.ts`).toEqual([]);
  expect([...set].filter((name) => name in forbiddenSettings)).toEqual([]);
  const unknown = [...set].filter(
    (name) =>
      !platformSettings.test(name) &&
      !awaitingRuntimes.some((awaited) => name === awaited || name.startsWith(`${awaited}__`)) &&
      ![...code].some((known) => gives(name, known)),
  );
  expect(unknown, `set but read by no code of the ${runtime} bundle (a typo?)`).toEqual([]);
}
