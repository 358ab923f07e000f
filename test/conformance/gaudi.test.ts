/**
 * Conformance suite on the native backend (@dlrm/backend-gaudi) against the reference;
 * skipped with its reason when the addon is not built, unless CI requires it.
 */
import { gaudiBackendFactory } from "@dlrm/backend-gaudi";
import { describeConformance } from "./run-conformance.js";

describeConformance(gaudiBackendFactory);
