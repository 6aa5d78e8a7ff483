/** The little logging the pipeline needs; adapters may bridge it to pino or a platform logger. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line; adapters with native child loggers (pino) implement it. */
  child?(fields: Record<string, unknown>): Logger;
}

/** Binds fields (a request's ids) to every line, natively where the logger can. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  // Bound per request on the hot path: a logger that writes nothing needs no fields bound.
  if (logger === silentLogger) return silentLogger;
  if (logger.child !== undefined) return logger.child(fields);
  const bind = (write: Logger["info"]) => (message: string, more?: Record<string, unknown>) => write(message, { ...fields, ...more });
  return {
    info: bind((m, f) => logger.info(m, f)),
    warn: bind((m, f) => logger.warn(m, f)),
    error: bind((m, f) => logger.error(m, f)),
    child: (more) => withFields(logger, { ...fields, ...more }),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** One JSON object per line on stderr, the format every cloud log collector parses. */
export function jsonLogger(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Logger {
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ level, time: new Date().toISOString(), message, ...fields }));
  return { info: log("info"), warn: log("warn"), error: log("error") };
}
