// JS error construction for the bindings (see errors.h).
#include "errors.h"

namespace dlrm {

Napi::Error make_error(Napi::Env env, ErrorKind kind, const std::string& message) {
  switch (kind) {
    case ErrorKind::Type:
      return Napi::TypeError::New(env, message);
    case ErrorKind::Range:
      return Napi::RangeError::New(env, message);
    default:
      return Napi::Error::New(env, message);
  }
}

void throw_js(Napi::Env env, ErrorKind kind, const std::string& message) { throw make_error(env, kind, message); }

}  // namespace dlrm
