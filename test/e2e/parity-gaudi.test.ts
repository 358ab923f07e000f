/** PyTorch parity on the native backend (@dlrm/backend-gaudi). */
import { gaudiBackendFactory } from "@dlrm/backend-gaudi";
import { describeTorchParity } from "./describe-parity.js";

await describeTorchParity(gaudiBackendFactory);
