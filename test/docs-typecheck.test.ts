import { readdirSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { docPagePath, docTypeScript, docTypeScriptFiles } from "./support/doc-examples.js";

/**
 * Every ```ts block in docs/ is type-checked as written: the blocks of a page form one module that
 * imports `edd/*` through the package's own exports (the "source" condition, so the entries as they
 * are in this checkout), with no specifier rewritten. A page reads as code in examples/bank/, so
 * `./services.js` is the bank's services: the example every page builds on.
 */

const root = new URL("../", import.meta.url).pathname;
const pages = readdirSync(join(root, "docs"))
  .filter((name) => name.endsWith(".md"))
  .sort();

describe("docs/*.md TypeScript", () => {
  it("type-checks every block against the real package entries", () => {
    const modules = new Map(
      pages.flatMap((page) => {
        const source = docTypeScript(`docs/${page}`);
        const files = docTypeScriptFiles(`docs/${page}`).map((file) => [file.path, file.source] as const);
        return source === undefined ? files : [[docPagePath(page), source] as const, ...files];
      }),
    );
    expect(modules.size).toBeGreaterThan(5);
    const configFile = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.readFile = (file) => modules.get(file) ?? readFile(file);
    host.fileExists = (file) => modules.has(file) || fileExists(file);
    const directoryExists = host.directoryExists?.bind(host) ?? ts.sys.directoryExists;
    host.directoryExists = (directory) =>
      [...modules.keys()].some((file) => file.startsWith(`${directory}/`)) || directoryExists(directory);
    host.getSourceFile = (file, language) => {
      const text = host.readFile(file);
      return text === undefined ? undefined : ts.createSourceFile(file, text, language, true);
    };
    const program = ts.createProgram({ rootNames: [...modules.keys()], options, host });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((diagnostic) => diagnostic.file === undefined || modules.has(diagnostic.file.fileName))
      .map((diagnostic) => {
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
        if (diagnostic.file === undefined || diagnostic.start === undefined) return message;
        const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
        return `${diagnostic.file.fileName.replace(root, "")}:${line + 1}: ${message}`;
      });
    expect(problems).toEqual([]);
  }, 120_000);
});
