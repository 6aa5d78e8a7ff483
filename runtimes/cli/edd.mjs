#!/usr/bin/env node
// The `edd` bin: edd ships TypeScript sources, so load them through tsx.
import { register } from "tsx/esm/api";

register();
await import("./edd.ts");
