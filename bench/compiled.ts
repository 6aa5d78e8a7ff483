import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * Benches measure edd as users run it: compiled JavaScript. `npm run build:lib` writes dist/, which
 * `edd/*` resolves to without the `source` condition; the HTTP bench's server processes (edd's and
 * the hand-written one alike) are bundled to plain JavaScript in bench/.build and run by `node`, with
 * every package (edd included) left external, so edd comes from dist/ and hono, pg, zod from
 * node_modules. EDD_BENCH_SOURCE=1 runs everything from the TypeScript sources instead (tsx).
 */
export const fromSource = process.env.EDD_BENCH_SOURCE === "1";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));
const tscBin = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
/** The bench's own process files, bundled for `node`: servers and the load generator. */
const processFiles = ["edd-server", "hand-written", "bare-server", "load"] as const;

/** Where a bench process file's bundle lands (bench/.build/http/<name>.mjs). */
export const compiledProcessFile = (name: string) => new URL(`.build/http/${name.replace(/\.ts$/, "")}.mjs`, import.meta.url).pathname;

/** Builds dist/ (tsc, incremental) and bundles the bench's process files. */
export async function buildCompiled(): Promise<void> {
  console.error("bench: building dist/ (npm run build:lib) and bench/.build");
  execFileSync(process.execPath, [tscBin, "-p", "tsconfig.build.json"], { cwd: repoRoot, stdio: "inherit" });
  await build({
    entryPoints: processFiles.map((name) => fileURLToPath(new URL(`http/${name}.ts`, import.meta.url))),
    outdir: fileURLToPath(new URL(".build/http/", import.meta.url)),
    outExtension: { ".js": ".mjs" },
    absWorkingDir: repoRoot,
    bundle: true,
    // Packages stay imports: `edd/*` resolves (package self-reference) to dist/, the rest to node_modules.
    packages: "external",
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning",
  });
}
