/**
 * Conformance suite on the WebGPU backend (@dlrm/backend-webgpu) against the reference;
 * skipped with its reason when no adapter is found, unless CI requires it.
 */
import { webgpuBackendFactory } from "@dlrm/backend-webgpu";
import { describeConformance } from "./run-conformance.js";

describeConformance(webgpuBackendFactory);
