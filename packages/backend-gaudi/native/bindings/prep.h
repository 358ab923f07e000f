// Declarations of the host-preprocessing module functions (prep.cc).
#pragma once

#include <napi.h>

namespace dlrm {

Napi::Value ValidateSparseInput(const Napi::CallbackInfo& info);
Napi::Value BuildSparseBatch(const Napi::CallbackInfo& info);

}  // namespace dlrm
