// Turning C++ failures into JavaScript errors: `guard` runs a binding body and converts
// KernelError (by kind), std::bad_alloc (RangeError) and any other std::exception
// (Error) into a thrown Napi::Error whose message starts with the op's name.
#pragma once

#include <napi.h>

#include <new>
#include <string>

#include "../kernels/common.h"

namespace dlrm {

/** A JS error object of the class matching `kind`. */
Napi::Error make_error(Napi::Env env, ErrorKind kind, const std::string& message);

/** Throws a JS TypeError / RangeError / Error (as a C++ exception, NAPI_CPP_EXCEPTIONS). */
[[noreturn]] void throw_js(Napi::Env env, ErrorKind kind, const std::string& message);

/** A failure captured off the JS thread, to be raised later on it. */
struct CapturedError {
  ErrorKind kind = ErrorKind::Generic;
  std::string message;
};

/** Runs fn(); any C++ exception becomes a CapturedError (returns false), prefixed with op. */
template <typename F>
bool capture(const std::string& op, F&& fn, CapturedError& out) {
  try {
    fn();
    return true;
  } catch (const KernelError& e) {
    out = {e.kind(), e.what()};
  } catch (const std::bad_alloc&) {
    out = {ErrorKind::Range, op + ": out of memory"};
  } catch (const std::exception& e) {
    out = {ErrorKind::Generic, op + ": " + e.what()};
  } catch (...) {
    out = {ErrorKind::Generic, op + ": unknown native error"};
  }
  return false;
}

/** Runs a binding body on the JS thread; C++ exceptions other than Napi::Error become JS errors. */
template <typename F>
auto guard(Napi::Env env, const std::string& op, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const KernelError& e) {
    throw_js(env, e.kind(), e.what());
  } catch (const std::bad_alloc&) {
    throw_js(env, ErrorKind::Range, op + ": out of memory");
  } catch (const std::exception& e) {
    throw_js(env, ErrorKind::Generic, op + ": " + e.what());
  } catch (...) {
    throw_js(env, ErrorKind::Generic, op + ": unknown native error");
  }
}

}  // namespace dlrm
