import type { Service } from "../model/service.js";
import type { FieldCipher, KeyStore } from "../ports/key-store.js";
import type { Store } from "../ports/store.js";
import { PersonalData } from "./personal-data.js";
import { PrivateStore } from "./private-store.js";

export { erasureEventType, type ErasureRecord } from "./erasure.js";
export { forgetSubject, type ForgetOptions, type ForgetReport } from "./forget.js";
export { isPersonal, personalPaths, type FieldPath } from "./personal-fields.js";
export { PersonalData, type PersonalDataOptions } from "./personal-data.js";
export { PrivateStore } from "./private-store.js";
export { erasedMarker, isSealed } from "./sealer.js";

/**
 * Wraps a store so the services' personal data is sealed before it is stored (docs/privacy.md):
 * give the result to the engine, the relay, the projectors and the CLI alike.
 */
export function protectPersonalData(
  store: Store,
  options: { readonly services: readonly Service[]; readonly keys: KeyStore; readonly cipher: FieldCipher },
): PrivateStore {
  return new PrivateStore(store, new PersonalData(options));
}

/** True when any service declares a data subject: its deployment needs a key store. */
export function holdsPersonalData(services: readonly Service[]): boolean {
  return services.some((service) => service.dataSubject !== undefined);
}
