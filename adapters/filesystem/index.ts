export { FileObjectStore } from "./object-store.js";
