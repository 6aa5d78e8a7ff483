/** Time and ids come from ports so tests and replays can fix them. */
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  uuid(): string;
}

export const systemClock: Clock = { now: () => new Date() };
// Web Crypto is global on Node 20+ and every serverless runtime: no import needed.
export const randomIds: IdGenerator = { uuid: () => globalThis.crypto.randomUUID() };
