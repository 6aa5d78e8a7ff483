/** The type of the event `edd forget` appends to each aggregate of the subject it erased; it changes no state. */
export const erasureEventType = "edd.PersonalDataErased";

/** What that event records: whose data, which keys went, who asked. Nothing personal. */
export interface ErasureRecord {
  readonly subject: string;
  readonly keysDestroyed: number;
  readonly identitiesReleased: number;
  readonly reason?: string;
}
