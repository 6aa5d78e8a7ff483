/** Largest accepted request body in bytes unless `maxBodyBytes` says otherwise: 1 MiB. Its own module, so a runtime can read it without loading hono. */
export const defaultMaxBodyBytes = 1024 * 1024;
