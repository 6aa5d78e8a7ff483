export { defaultRedactPaths, pinoLogger, type PinoEddLogger, type PinoLoggerOptions } from "./logger.js";
