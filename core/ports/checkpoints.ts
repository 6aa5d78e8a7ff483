/**
 * Where projections remember how far they read the event feed. A checkpoint is the feed's opaque
 * string (see EventFeedPage), stored per realm and name (a projection's name, or its rebuild's).
 */
export interface CheckpointStore {
  load(realm: string, name: string): Promise<string | undefined>;
  /**
   * Moves the checkpoint from `expected` (undefined: none stored yet) to `next`, only if nobody
   * moved it meanwhile. False means another projector got there first: reload and go on.
   */
  advance(realm: string, name: string, expected: string | undefined, next: string): Promise<boolean>;
  /** Sets the checkpoint whatever it was: for a rebuild handing its position to the live projection. */
  put(realm: string, name: string, value: string): Promise<void>;
  remove(realm: string, name: string): Promise<void>;
}
