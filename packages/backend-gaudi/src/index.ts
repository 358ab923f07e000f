/**
 * Public surface of @dlrm/backend-gaudi: the registry entry `gaudiBackendFactory`, the
 * backend class and the addon loader (for tools that want to say why the native backend is unavailable).
 */
export { gaudiBackendFactory } from "./factory.js";
export { GaudiBackend, type GaudiLazyStats } from "./gaudi-backend.js";
export { loadNative, ADDON_PATH, BUILD_HINT, type NativeAddon, type NativeEngine } from "./native.js";
