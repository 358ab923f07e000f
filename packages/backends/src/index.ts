/**
 * Public surface of @dlrm/backends: the registry of every DLRM backend in preference
 * order, and selection by name or `auto` with the reasons for each fallback.
 * The CLI (and later the bench) import backends only from here.
 */
export * from "./registry.js";
export * from "./resolve.js";
