/** Conformance suite on the reference backend (checks the runner and the reference's own consistency). */
import { referenceBackendFactory } from "@dlrm/core";
import { describeConformance } from "./run-conformance.js";

describeConformance(referenceBackendFactory);
