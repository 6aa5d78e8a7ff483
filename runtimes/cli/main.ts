import { parseArgs } from "node:util";
import { commands } from "./commands.js";
import { defaultConfigPath, type EddConfig, loadConfig } from "./config.js";
import { type CliContext, exitCodes, terminalProgress } from "./context.js";

export const usage = `usage: edd [--config <file>] [--json] <command> [options]

commands:
${Object.entries(commands)
  .map(([name, entry]) => `  ${name.padEnd(Math.max(...Object.keys(commands).map((n) => n.length)))} ${entry.summary}`)
  .join("\n")}

Every command reads the deployment from edd.config.ts (or --config, or $EDD_CONFIG) and the
environment: DATABASE_URL (PostgreSQL; unset: embedded PGlite in EDD_DATA_DIR or .edd-data),
EDD_SCHEMA. --json prints machine-readable results. \`edd <command> --help\` for its options.

exit codes: 0 done, 1 the work found a problem (drift, broken chain, failed redrive),
            2 usage error, 3 fault (store unreachable, unexpected error)`;

/** `edd`: the operators' commands under one roof. Returns the exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { config: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: false,
  });
  const commandIndex = argv.findIndex((arg) => positionals.includes(arg));
  const name = commandIndex === -1 ? undefined : argv[commandIndex];
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (text: string) => process.stderr.write(text);
  if (name === undefined || name === "help") {
    (name === undefined && values.help !== true ? err : out)(`${usage}\n`);
    return name === undefined && values.help !== true ? exitCodes.usage : exitCodes.ok;
  }
  const entry = commands[name];
  if (entry === undefined) {
    err(`edd: unknown command "${name}"\n\n${usage}\n`);
    return exitCodes.usage;
  }
  const rest = argv.slice(commandIndex + 1).filter((arg) => arg !== "--json");
  const json = values.json === true || argv.slice(commandIndex + 1).includes("--json");
  const command = await entry.load();
  // Every command answers --help the same way, before reading any config or opening any store.
  if (rest.includes("--help") || rest.includes("-h")) {
    out(command.usage);
    return exitCodes.ok;
  }
  const configPath = typeof values.config === "string" ? values.config : (env.EDD_CONFIG ?? defaultConfigPath());
  const config: EddConfig = entry.needsConfig ? await loadConfig(configPath) : { services: [] };
  const context: CliContext = { config, env, out, err, json, ...terminalProgress(process.stderr) };
  return command.run(rest, context);
}
