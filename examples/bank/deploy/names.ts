/**
 * The names the deploy files and the bank's entries agree on: handler exports, function names, routes,
 * queues, buckets and schedules. test/deploy-files.test.ts checks every deploy file against this
 * module and the code, so a rename is one edit here plus the files that name it.
 */

/** The four entries every runtime has, plus commands from uploaded objects. */
export const entryKinds = ["http", "queue", "sweep", "project", "objects"] as const;
export type EntryKind = (typeof entryKinds)[number];

/** Exports of the Lambda bundle (`index.<name>` in the SAM template's `Handler`). */
export const lambdaHandlers: Readonly<Record<EntryKind, string>> = {
  http: "http",
  queue: "queue",
  sweep: "sweep",
  project: "project",
  objects: "objects",
};

/** Function names the Azure Functions entry registers (v4 model): timers for sweep and project, a blob trigger for objects. */
export const azureFunctions: Readonly<Record<EntryKind, string>> = {
  http: "http",
  queue: "queue",
  sweep: "sweep",
  project: "project",
  objects: "objects",
};

/** Routes of the Cloud Run service, and who calls each. */
export const cloudRunRoutes = {
  command: { method: "POST", path: "/command", caller: "clients (Cloud Run IAM, then edd's JWT check)" },
  query: { method: "POST", path: "/query", caller: "clients (Cloud Run IAM, then edd's JWT check)" },
  queue: { method: "POST", path: "/_edd/pubsub", caller: "Pub/Sub push, OIDC" },
  sweep: { method: "POST", path: "/_edd/sweep", caller: "Cloud Scheduler, OIDC" },
  project: { method: "POST", path: "/_edd/project", caller: "Cloud Scheduler, OIDC" },
  objects: { method: "POST", path: "/", caller: "Eventarc (CloudEvents, incl. storage object finalized), OIDC" },
} as const;

/** Cloud resources every deploy file names the same way. */
export const resources = {
  /** The command queue (SQS FIFO adds `.fifo`; Pub/Sub's topic has this name). */
  commandQueue: "edd-bank-commands",
  /** Where the platform puts messages that kept failing for a transient reason. */
  deadLetterQueue: "edd-bank-commands-dlq",
  /** Uploaded objects under this prefix (or in this Azure container) become commands. */
  commandsPrefix: "commands/",
  commandsContainer: "commands",
  /** The secret holding the PostgreSQL connection string (Secrets Manager, Key Vault, Secret Manager, Kubernetes). */
  databaseSecret: "edd-bank-database-url",
  /** The secret holding EDD_MASTER_KEY, which wraps the keys of personal data (docs/privacy.md). */
  masterKeySecret: "edd-bank-master-key",
} as const;

/** How often the platforms start the sweep and projection entries (the finest each scheduler offers: one minute). */
export const schedules = {
  aws: { sweep: "rate(1 minute)", project: "rate(1 minute)" },
  /** NCRONTAB (seconds first), read by the timer triggers from these app settings. */
  azure: { sweep: "0 */1 * * * *", project: "0 */1 * * * *" },
  google: { sweep: "* * * * *", project: "* * * * *" },
} as const;

/** App settings the Azure timer triggers read their schedules from (`%EDD_SWEEP_SCHEDULE%`). */
export const azureScheduleSettings = { sweep: "EDD_SWEEP_SCHEDULE", project: "EDD_PROJECT_SCHEDULE" } as const;

export type Platform = "aws" | "azure" | "google" | "kubernetes" | "systemd";

/** Variables the code reads that a deploy file may leave unset, each with the reason. */
export const optionalSettings: Readonly<Record<string, string>> = {
  EDD_SCHEMA: "the PostgreSQL schema; default edd",
  EDD_DB_POOL_SIZE: "connections per instance; the default (4) fits a long-lived process",
  EDD_JWT_SECRET: "HS256 tokens: the deploy files use the identity provider's JWKS instead",
  EDD_JWT_ALGORITHMS: "default: what the JWKS keys allow",
  EDD_JWT_CLOCK_TOLERANCE: "default 5 s",
  EDD_JWT_REALM_CLAIM: "default: no realm claim, every user in EDD_JWT_DEFAULT_REALM",
  EDD_JWT_ROLES_CLAIM: "default roles",
  EDD_JWT_SUBJECT_CLAIM: "default sub",
  EDD_JWT_DEFAULT_REALM: "default realm default",
  EDD_CORS_ORIGINS: "only for browsers on another origin",
  EDD_ALLOWED_HOSTS: "a Host allow-list; the ingress already routes by host",
  EDD_DATA_DIR: "embedded PGlite only; every deploy file uses PostgreSQL",
  EDD_PERSONAL_DATA: "plain stores personal data unsealed, for local runs only; the deploy files seal it with EDD_MASTER_KEY",
  EDD_DYNAMODB_TABLE: "the DynamoDB store instead of PostgreSQL (docs/dynamodb.md); these files use PostgreSQL",
  EDD_DYNAMODB_NAMESPACE: "DynamoDB only",
  EDD_DYNAMODB_FEED_SHARDS: "DynamoDB only",
  DYNAMODB_ENDPOINT: "DynamoDB Local only",
  EDD_PUSH_JWKS_URL: "default Google's keys",
  EDD_REALMS: "realms to project; default the default realm",
  EDD_PLATFORM_CLAIMS: "trust the platform authorizer's claims instead of EDD_JWT_*; these files have edd check the token itself",
  EDD_LARGE_COMMANDS: "where large commands wait (an object store URL); unset: commands must fit in a queue message",
  EDD_COMMANDS_PREFIX: "where uploads become commands; default commands/",
  EDD_COMMAND_QUEUE: "a command queue to consume; the Node process serves HTTP without one",
  EDD_UPLOADS: "the store uploads are read from, for platforms whose event does not carry the content",
  EDD_GCS_HMAC_ACCESS_ID: "only with a gs:// object store URL",
  EDD_GCS_HMAC_SECRET: "only with a gs:// object store URL",
  EDD_AZURE_STORAGE_CONNECTION: "only with an azure-blob:// object store URL",
  EDD_ROLE: "default all: one process serves and runs the workers",
  HOST: "set by the platform's conventions (0.0.0.0 in containers)",
  PORT: "set by the platform (Cloud Run) or the default",
};

/** Variables that open a door and must never appear in a deploy file. */
export const forbiddenSettings: Readonly<Record<string, string>> = {
  EDD_ANONYMOUS: "serves without an authenticator",
  EDD_PUSH_UNAUTHENTICATED: "accepts unauthenticated pushes",
  EDD_PUSH_TOKEN: "a shared secret in a URL; the deploy files use OIDC",
};

/** Variables holding secrets: never a plain value in a deploy file, always a secret reference. */
export const secretSettings = [
  "DATABASE_URL",
  "EDD_MASTER_KEY",
  "EDD_JWT_SECRET",
  "EDD_PUSH_TOKEN",
  "EDD_GCS_HMAC_SECRET",
  "EDD_AZURE_STORAGE_CONNECTION",
] as const;
