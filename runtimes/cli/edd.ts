#!/usr/bin/env node
import { main } from "./main.js";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`edd: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(3);
  },
);
