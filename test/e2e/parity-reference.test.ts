/** PyTorch parity on the reference backend (the oracle). */
import { referenceBackendFactory } from "@dlrm/core";
import { describeTorchParity } from "./describe-parity.js";

await describeTorchParity(referenceBackendFactory);
