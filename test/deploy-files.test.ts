import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { MemoryStore } from "../adapters/memory/index.js";
import { createEngine } from "../core/index.js";
import { defaultCommandsPrefix, realmFromKey } from "../core/pipeline/index.js";
import type { BankRuntime } from "../examples/bank/build.js";
import { repoRoot } from "../examples/bank/build.js";
import { cloudRunRoutes, lambdaHandlers, resources, schedules, secretSettings } from "../examples/bank/deploy/names.js";
import { bankServices } from "../examples/bank/services.js";
import { createCloudRunApp } from "../runtimes/cloud-run/index.js";
import {
  cloudRunSettings,
  commandAvailable,
  expectSettingsMatchCode,
  type Json,
  readCloudFormation,
  readDeployFile,
  settingsReadBy,
  shellVar,
  standIn,
} from "./support/deploy-files.js";

/**
 * Every deploy file in examples/bank/deploy checked against the code and examples/bank/deploy/names.ts:
 * handler names and routes exist, every setting the bundle reads is set or deliberately optional,
 * queue names agree, schedules are there, nothing is anonymous, and secrets are never plain values.
 */

const read: Partial<Record<BankRuntime, ReadonlySet<string>>> = {};
beforeAll(async () => {
  for (const runtime of ["aws-lambda", "cloud-run"] as const) read[runtime] = await settingsReadBy(runtime);
}, 60_000);
const expectSettingsAgree = (runtime: BankRuntime, set: ReadonlySet<string>) => expectSettingsMatchCode(runtime, read[runtime], set);

const template = readCloudFormation("aws/template.yaml");
const templateFunctions = Object.values(template.Resources as Record<string, Json>).filter(
  (resource) => resource.Type === "AWS::Serverless::Function",
);
/** Every variable any function gets: the globals and each function's own (SAM merges them). */
const lambdaEnvironment: Record<string, unknown> = Object.assign(
  {},
  ...[(template.Globals as { Function: Json }).Function, ...templateFunctions.map((fn) => fn.Properties as Json)].map(
    (properties) => (properties.Environment as { Variables?: Json } | undefined)?.Variables ?? {},
  ),
);

// Load the entry as a function would: with the template's settings (stand-ins for values known only at deploy).
/** A `!Sub` with CloudFormation's pseudo-parameters filled in, as a deployed function would see it. */
const substituted = (value: unknown) =>
  typeof (value as { "Fn::Sub"?: unknown })["Fn::Sub"] === "string"
    ? ((value as { "Fn::Sub": string })["Fn::Sub"] as string)
        .replace(/\$\{AWS::AccountId\}/g, "123456789012")
        .replace(/\$\{AWS::Region\}/g, "eu-west-1")
    : undefined;
for (const [name, value] of Object.entries(lambdaEnvironment)) {
  const deployed = typeof value === "string" ? value : name === "DATABASE_URL" ? "" : substituted(value);
  vi.stubEnv(name, deployed === undefined || deployed.includes("${") ? standIn(name) : deployed);
}
const lambdaEntry = (await import("../examples/bank/entry/aws-lambda.js")) as Record<string, unknown>;
vi.unstubAllEnvs();
const lambdaPending = Object.values(lambdaHandlers).every((name) => typeof lambdaEntry[name] !== "function");

describe("AWS: examples/bank/deploy/aws/template.yaml (SAM)", () => {
  const resourcesOf = template.Resources as Record<string, Json>;
  const ofType = (type: string) => Object.entries(resourcesOf).filter(([, resource]) => resource.Type === type);
  const functions: Json[] = ofType("AWS::Serverless::Function").map(([id, resource]) => ({ id, ...(resource.Properties as Json) }));
  const globals = (template.Globals as { Function: Json }).Function;
  const env = lambdaEnvironment;
  const byHandler = (name: string) => functions.find((fn) => fn.Handler === `index.${name}`);
  const events = (fn: Json | undefined) => Object.values((fn?.Events ?? {}) as Record<string, { Type: string; Properties: Json }>);

  it("deploys one function per entry, each naming its export of the Lambda bundle", () => {
    expect(functions.map((fn) => fn.Handler).sort()).toEqual(
      Object.values(lambdaHandlers)
        .map((name) => `index.${name}`)
        .sort(),
    );
    expect(globals.CodeUri).toBe("../../../../dist/aws-lambda/");
  });

  it.skipIf(lambdaPending)(
    `finds every handler exported by examples/bank/entry/aws-lambda.ts${lambdaPending ? " (skipped: the entry exports none of them yet)" : ""}`,
    () => {
      for (const name of Object.values(lambdaHandlers)) expect(typeof lambdaEntry[name], name).toBe("function");
    },
  );

  it("sets what the bundle reads, and DATABASE_URL only from Secrets Manager", () => {
    expectSettingsAgree("aws-lambda", new Set(Object.keys(env)));
    expect(Object.keys(env)).toContain("EDD_MASTER_KEY");
    for (const name of secretSettings.filter((secret) => secret in env)) {
      expect(JSON.stringify(env[name])).toMatch(/\{\{resolve:(secretsmanager|ssm-secure):/);
    }
    for (const parameter of Object.values(template.Parameters as Record<string, Json>)) expect(parameter.Default).toBeUndefined();
  });

  it("consumes the FIFO command queue with partial batch failures and a FIFO dead-letter queue", () => {
    const queues = Object.fromEntries(ofType("AWS::SQS::Queue").map(([id, queue]) => [id, queue.Properties as Json]));
    const [queueId, queue] = Object.entries(queues).find(([, q]) => q.QueueName === `${resources.commandQueue}.fifo`) ?? [];
    expect(queue).toMatchObject({ FifoQueue: true });
    const deadLetterId = (((queue?.RedrivePolicy ?? {}) as Json).deadLetterTargetArn as { "Fn::GetAtt": string[] })[
      "Fn::GetAtt"
    ][0] as string;
    expect(queues[deadLetterId]).toMatchObject({ QueueName: `${resources.deadLetterQueue}.fifo`, FifoQueue: true });
    const consumer = byHandler(lambdaHandlers.queue);
    const [sqs] = events(consumer).filter((event) => event.Type === "SQS");
    expect(sqs?.Properties).toMatchObject({
      Queue: { "Fn::GetAtt": [queueId, "Arn"] },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    expect(queue?.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * (consumer?.Timeout as number));
  });

  it("runs the sweep and the projections on EventBridge schedules, and turns uploads under the commands prefix into commands", () => {
    for (const kind of ["sweep", "project"] as const) {
      expect(events(byHandler(lambdaHandlers[kind])).map((event) => [event.Type, event.Properties.ScheduleExpression])).toEqual([
        ["ScheduleV2", schedules.aws[kind]],
      ]);
    }
    const [upload] = events(byHandler(lambdaHandlers.objects));
    expect(upload).toMatchObject({ Type: "S3", Properties: { Bucket: { Ref: "CommandsBucket" }, Events: "s3:ObjectCreated:*" } });
    expect(JSON.stringify(upload?.Properties.Filter)).toContain(`{"Name":"prefix","Value":"${resources.commandsPrefix}"}`);
    expect(resourcesOf.CommandsBucket?.Type).toBe("AWS::S3::Bucket");
    // The prefix the runtimes read realms under: commands/<realm>/<name>.
    expect(resources.commandsPrefix).toBe(defaultCommandsPrefix);
    expect(realmFromKey(`${resources.commandsPrefix}acme/batch.jsonl`)).toBe("acme");
  });

  it("puts the JWT authorizer in front of every route, opens no function URL, and grants no wildcard", () => {
    const apis = ofType("AWS::Serverless::HttpApi");
    expect(apis).toHaveLength(1);
    const [[apiId, api]] = apis as [[string, Json]];
    const auth = (api.Properties as { Auth: { DefaultAuthorizer: string; Authorizers: Record<string, Json> } }).Auth;
    expect(auth.Authorizers[auth.DefaultAuthorizer]).toHaveProperty("JwtConfiguration");
    const routes = functions.flatMap((fn) => events(fn).filter((event) => ["HttpApi", "Api"].includes(event.Type)));
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      expect(route.Properties.ApiId).toEqual({ Ref: apiId });
      expect(JSON.stringify(route.Properties.Auth ?? {})).not.toContain("NONE");
    }
    expect(ofType("AWS::Serverless::Api")).toEqual([]);
    for (const fn of [globals, ...functions]) expect(fn.FunctionUrlConfig).toBeUndefined();
    const statements = functions.flatMap((fn) =>
      ((fn.Policies ?? []) as { Statement?: Json[] }[]).flatMap((policy) => policy.Statement ?? []),
    );
    for (const statement of statements) {
      expect(JSON.stringify(statement.Action)).not.toMatch(/"\*"|:\*"/);
      expect(statement.Resource).not.toBe("*");
    }
  });

  const cfnLint = commandAvailable("cfn-lint");
  it.skipIf(!cfnLint)(
    `passes cfn-lint, which expands the SAM transform${cfnLint ? "" : " (skipped: cfn-lint not installed)"}`,
    () => {
      execFileSync("cfn-lint", [join(repoRoot, "examples/bank/deploy/aws/template.yaml")], { stdio: "pipe" });
    },
    60_000,
  );
});

const cloudRunApp = createCloudRunApp(createEngine({ services: bankServices, store: new MemoryStore() }), {
  pushToken: "a-push-token-for-the-route-check",
});
// Eventarc posts binary-mode CloudEvents: the headers get a request past the format check to authentication.
const cloudEventHeaders = {
  "ce-specversion": "1.0",
  "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
  "ce-id": "1",
  "ce-source": "test",
};
const post = (path: string) => cloudRunApp.request(path, { method: "POST", body: "{}", headers: cloudEventHeaders });
const schedulerPending = (await post(cloudRunRoutes.sweep.path)).status === 404;

/** A shell expansion as the script writes it: `${NAME}`. */
const expand = (name: string) => `\${${name}}`;

describe("Google: examples/bank/deploy/cloud-run/setup.sh (gcloud)", () => {
  const script = readDeployFile("cloud-run/setup.sh");
  const commands = script.replace(/\s*\\\n\s*/g, " ").split("\n");
  const command = (start: string) => commands.filter((line) => line.trim().startsWith(start) || line.includes(`|| ${start}`));

  it("is valid bash and deploys a private service on Cloud SQL with DATABASE_URL from Secret Manager", () => {
    execFileSync("bash", ["-n", join(repoRoot, "examples/bank/deploy/cloud-run/setup.sh")]);
    const [deploy, ...others] = command("gcloud run deploy");
    expect(others).toEqual([]);
    expect(deploy).toContain("--no-allow-unauthenticated");
    expect(script).not.toMatch(/(?<!no-)--allow-unauthenticated/);
    expect(deploy).toMatch(/--add-cloudsql-instances "\$CONNECTION_NAME"/);
    const { plain, secrets } = cloudRunSettings(script);
    expect(secrets.get("DATABASE_URL")).toBe(`\${SECRET}:latest`);
    expect(shellVar(script, "SECRET")).toBe(resources.databaseSecret);
    expect(secrets.get("EDD_MASTER_KEY")).toBe(`\${MASTER_KEY_SECRET}:latest`);
    expect(shellVar(script, "MASTER_KEY_SECRET")).toBe(resources.masterKeySecret);
    for (const name of secretSettings) expect(plain.has(name), name).toBe(false);
    expectSettingsAgree("cloud-run", new Set([...plain.keys(), ...secrets.keys()]));
  });

  it("builds the image for linux/amd64 from the shared container file", () => {
    expect(script).toMatch(
      /docker buildx build --platform linux\/amd64 -f examples\/bank\/deploy\/container\/Dockerfile .* dist\/cloud-run/,
    );
    expect(existsSync(join(repoRoot, "examples/bank/deploy/container/Dockerfile"))).toBe(true);
  });

  it("pushes the command topic to the push route with an OIDC identity, ordered, with a dead-letter topic", () => {
    expect(shellVar(script, "TOPIC")).toBe(resources.commandQueue);
    expect(shellVar(script, "DEAD_TOPIC")).toBe(resources.deadLetterQueue);
    const [subscription] = command(`gcloud pubsub subscriptions create "${expand("TOPIC")}-push"`);
    expect(subscription).toContain(`--push-endpoint "\${URL}${cloudRunRoutes.queue.path}"`);
    expect(subscription).toMatch(/--push-auth-service-account "\$INVOKER_ACCOUNT" --push-auth-token-audience "\$URL"/);
    expect(subscription).toMatch(/--enable-message-ordering .*--dead-letter-topic "\$DEAD_TOPIC" --max-delivery-attempts \d/);
    // The service checks the same identity and audience itself.
    expect(Object.fromEntries(cloudRunSettings(script).plain)).toMatchObject({
      EDD_PUSH_AUDIENCE: expand("URL"),
      EDD_PUSH_SERVICE_ACCOUNT: expand("INVOKER_ACCOUNT"),
    });
  });

  it("schedules the sweep and the projections, and routes finalized uploads through Eventarc, all with OIDC", () => {
    const [job] = command("gcloud scheduler jobs create http");
    expect(job).toContain(`--schedule "${schedules.google.sweep}"`);
    expect(job).toMatch(/--uri "\$\{URL\}\$2" --oidc-service-account-email "\$INVOKER_ACCOUNT" --oidc-token-audience "\$URL"/);
    expect(script).toContain(`schedule "\${SERVICE}-sweep" ${cloudRunRoutes.sweep.path}\n`);
    expect(script).toContain(`schedule "\${SERVICE}-project" ${cloudRunRoutes.project.path}\n`);
    expect(schedules.google.project).toBe(schedules.google.sweep);
    const [trigger] = command("gcloud eventarc triggers create");
    expect(trigger).toContain(`--destination-run-path ${cloudRunRoutes.objects.path} `);
    expect(trigger).toContain('--event-filters "type=google.cloud.storage.object.v1.finalized"');
    expect(trigger).toContain('--service-account "$INVOKER_ACCOUNT"');
  });

  it("serves the push and event routes, and refuses them without credentials", async () => {
    for (const route of [cloudRunRoutes.queue, cloudRunRoutes.objects]) expect((await post(route.path)).status, route.path).toBe(401);
    for (const route of [cloudRunRoutes.command, cloudRunRoutes.query]) expect((await post(route.path)).status, route.path).not.toBe(404);
  });

  it.skipIf(schedulerPending)(
    `serves the Cloud Scheduler routes and refuses them without credentials${schedulerPending ? " (skipped: /_edd/sweep is not served yet)" : ""}`,
    async () => {
      for (const route of [cloudRunRoutes.sweep, cloudRunRoutes.project])
        expect([401, 403], route.path).toContain((await post(route.path)).status);
    },
  );
});

describe("docs/deploy.md", () => {
  it("walks every deploy file", () => {
    const doc = readFileSync(join(repoRoot, "docs/deploy.md"), "utf8");
    for (const file of [
      "aws/template.yaml",
      "azure-functions/main.bicep",
      "cloud-run/setup.sh",
      "container/Dockerfile",
      "kubernetes/",
      "node/edd-bank.service",
      "names.ts",
    ]) {
      expect(doc, file).toContain(`examples/bank/deploy/${file}`);
    }
  });
});
