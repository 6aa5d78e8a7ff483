import type { Service } from "../model/service.js";
import type { FieldCipher, KeyStore } from "../ports/key-store.js";
import type { Projection } from "../model/projection.js";
import type { Store } from "../ports/store.js";
import type { ViewData, ViewStore } from "../ports/view-store.js";
import { PersonalData } from "./personal-data.js";
import { PrivateStore } from "./private-store.js";
import { PrivateViewStore } from "./private-views.js";

export { erasureEventType, type ErasureRecord } from "./erasure.js";
export { forgetSubject, type ForgetOptions, type ForgetReport } from "./forget.js";
export { isPersonal, personalPaths, type FieldPath } from "./personal-fields.js";
export { PersonalData, type PersonalDataOptions } from "./personal-data.js";
export { PrivateStore } from "./private-store.js";
export { PrivateViewStore } from "./private-views.js";
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

/**
 * Wraps a view store so the personal fields of these projections' documents are sealed with the
 * same keys as `store`'s data, and searched through a blind index (docs/privacy.md).
 */
export function protectPersonalViews(
  views: ViewStore,
  store: PrivateStore,
  projections: readonly Projection<ViewData>[],
): PrivateViewStore {
  return new PrivateViewStore(views, store.personal, projections);
}

/** True when any service declares a data subject: its deployment needs a key store. */
export function holdsPersonalData(services: readonly Service[]): boolean {
  return services.some((service) => service.dataSubject !== undefined);
}
