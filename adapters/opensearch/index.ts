// `edd/opensearch`: views in OpenSearch; pass your own @opensearch-project/opensearch Client.
export { OpenSearchViewStore, type OpenSearchViewStoreOptions } from "./view-store.js";
