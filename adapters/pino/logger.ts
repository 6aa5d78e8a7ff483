import type { DestinationStream, LoggerOptions, Logger as Pino } from "pino";
import type { Logger } from "../../core/ports/logger.js";
import { pino } from "./sdk.js";

export interface PinoLoggerOptions extends LoggerOptions {
  /** Where JSON lines go; default stdout. Tests pass a stream that collects them. */
  readonly destination?: DestinationStream;
}

/** The core Logger port, plus pino's cheap child loggers so a request's ids are bound once. */
export interface PinoEddLogger extends Logger {
  child(fields: Record<string, unknown>): PinoEddLogger;
  /** The pino instance, for flushing or for code that logs with pino directly. */
  readonly pino: Pino;
}

/** Values under these keys are replaced by "[redacted]", whatever a caller passes as fields. */
export const defaultRedactPaths = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "token",
  "*.token",
  "password",
  "*.password",
];

/**
 * pino behind the core Logger port. Lines use `message`, ISO `time` and level names, like core's `jsonLogger`,
 * so switching between the two does not change what log queries look for.
 */
export function pinoLogger(options: PinoLoggerOptions | Pino = {}): PinoEddLogger {
  return wrap(isPino(options) ? options : createPino(options));
}

function createPino({ destination, ...options }: PinoLoggerOptions): Pino {
  const settings: LoggerOptions = {
    messageKey: "message",
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: defaultRedactPaths, censor: "[redacted]" },
    ...options,
  };
  return destination === undefined ? pino(settings) : pino(settings, destination);
}

function wrap(instance: Pino): PinoEddLogger {
  const at = (level: "info" | "warn" | "error") => (message: string, fields?: Record<string, unknown>) =>
    fields === undefined ? instance[level](message) : instance[level](fields, message);
  return {
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (fields) => wrap(instance.child(fields)),
    pino: instance,
  };
}

function isPino(value: PinoLoggerOptions | Pino): value is Pino {
  return typeof (value as Partial<Pino>).child === "function" && typeof (value as Partial<Pino>).info === "function";
}
