/**
 * Conformance suite on the reference backend: checks the runner end to end and the
 * reference's own consistency (NaN poison, determinism, lazy == eager).
 */
import { referenceBackendFactory } from "@dlrm/core";
import { describeConformance } from "./run-conformance.js";

describeConformance(referenceBackendFactory);
