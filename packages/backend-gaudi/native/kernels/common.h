// Shared definitions for the pure C++ kernels of the native DLRM backend: integer types,
// KernelError, the exception a kernel or validator throws when its input is wrong (the
// bindings turn its kind into a JavaScript TypeError, RangeError or Error), the activation
// of the fused linear epilogue, and the row-weight arguments of the weighted embedding-bags
// backward.
// No N-API types here: the kernels are usable from a C++ test or a device path.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace dlrm {

using i64 = std::int64_t;
using i32 = std::int32_t;

/** A linear layer's activation after the bias (the contract's "none", "relu", "sigmoid"). */
enum class Activation : int { None = 0, Relu = 1, Sigmoid = 2 };

/** Which JavaScript error class a KernelError becomes. */
enum class ErrorKind { Type, Range, Generic };

/** An error in a kernel's input, with the message the caller sees (naming the argument). */
class KernelError : public std::runtime_error {
 public:
  KernelError(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

/** Throws a RangeError-kind KernelError. */
[[noreturn]] inline void range_error(const std::string& message) { throw KernelError(ErrorKind::Range, message); }

/** Throws a TypeError-kind KernelError. */
[[noreturn]] inline void type_error(const std::string& message) { throw KernelError(ErrorKind::Type, message); }

/**
 * The learned pooling weights' part of embeddingBagsBackward: per table its rows x D weights
 * and its row-weight vector, the unique rows, and dRowWeights (Umax). All null: plain sums.
 */
struct RowWeightGrads {
  const float* const* tables = nullptr;
  const float* const* rowWeights = nullptr;
  const i32* uniqueRows = nullptr;
  float* dRowWeights = nullptr;
};

}  // namespace dlrm
