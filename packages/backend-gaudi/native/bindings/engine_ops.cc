// The op bindings, dlrm::ops::<op> for each op of DLRM_OPS (ops.h): each reads its named
// arguments (args.h), checks every size and tensor before touching memory, and submits a
// Command that runs the data-dependent checks (sparse structure, indices against rows)
// and then the kernel of the same name (kernels.h). Engine::dispatch wraps each one.
// Shapes and semantics are those of packages/dlrm-core/src/backend.ts.
#include <cmath>
#include <limits>
#include <unordered_set>

#include "../kernels/kernels.h"
#include "../kernels/sparse_check.h"
#include "args.h"
#include "engine.h"

namespace dlrm {
namespace {

constexpr DType F32 = DType::F32;

/** Rows of each table (size / dim), checking dim > 0 and divisibility. */
std::vector<i64> table_rows(Args& a, const std::vector<BufferPtr>& tables, const char* name, i64 D) {
  if (D == 0) throw_js(a.env(), ErrorKind::Range, arg_name(a.op(), "dim") + " must be positive for tables");
  std::vector<i64> rows;
  for (size_t t = 0; t < tables.size(); t++) {
    if (tables[t]->size % D != 0) {
      throw_js(a.env(), ErrorKind::Range,
               arg_name(a.op(), std::string(name) + "[" + std::to_string(t) + "]") + " has " +
                   std::to_string(tables[t]->size) + " elements, not a multiple of dim " + std::to_string(D));
    }
    rows.push_back(tables[t]->size / D);
  }
  return rows;
}

std::vector<float*> ptrs(const std::vector<BufferPtr>& v) {
  std::vector<float*> out;
  for (const auto& b : v) out.push_back(b->f32());
  return out;
}

/** The unique-slot tensors of `sparse`, validated against T (and B, rows) when run. */
struct UniqueTensors {
  BufferPtr tuo, uniqueRows, csrOffsets, csrBags;
  UniqueTensors(Args& a, i64 T)
      : tuo(a.sparse("tableUniqueOffsets", T + 1)),
        uniqueRows(a.sparse("uniqueRows", 0)),
        csrOffsets(a.sparse("csrOffsets", 1)),
        csrBags(a.sparse("csrBags", 0)) {}
  /** `csr`: the op reads the CSR map (the sparse steps do not, so they do not check it). */
  i64 check(const std::string& op, i64 T, i64 B, const i64* rows, bool csr = true) const {
    return check_unique(op, tuo->i32p(), uniqueRows->i32p(), csrOffsets->i32p(), csrBags->i32p(), T, uniqueRows->size,
                        csrOffsets->size, csrBags->size, B, rows, csr);
  }
};

void check_drows(const std::string& op, const Buffer& dRows, i64 U, i64 D) {
  if (dRows.size < U * D) {
    range_error(op + ": argument \"dRows\" has " + std::to_string(dRows.size) + " elements, needs at least " +
                std::to_string(U * D) + " (" + std::to_string(U) + " unique rows x dim " + std::to_string(D) + ")");
  }
}

}  // namespace

void ops::gemm(Engine& e, Args& a) {
  const bool bf16 = a.choice("precision", {"fp32", "bf16"}, 0) == 1;
  const i64 m = a.size("m"), n = a.size("n"), k = a.size("k");
  const bool ta = a.flag("transA"), tb = a.flag("transB");
  const float alpha = static_cast<float>(a.number("alpha")), beta = static_cast<float>(a.number("beta"));
  BufferPtr A = a.tensor("a", F32, prod({m, k})), B = a.tensor("b", F32, prod({k, n})),
            C = a.tensor("c", F32, prod({m, n}));
  e.submit(a.env(), {"gemm", [=] { dlrm::gemm(ta, tb, m, n, k, alpha, A->f32(), B->f32(), beta, C->f32(), bf16); }});
}

void ops::linearForward(Engine& e, Args& a) {
  const bool bf16 = a.choice("precision", {"fp32", "bf16"}, 0) == 1;
  const auto act = static_cast<Activation>(a.choice("activation", {"none", "relu", "sigmoid"}));
  const i64 B = a.size("batchSize"), K = a.size("inFeatures"), N = a.size("outFeatures");
  BufferPtr x = a.tensor("x", F32, prod({B, K})), w = a.tensor("weight", F32, prod({N, K}));
  BufferPtr bias = a.tensor("bias", F32, N), y = a.tensor("y", F32, prod({B, N}));
  e.submit(a.env(), {"linearForward",
                     [=] { dlrm::linearForward(x->f32(), w->f32(), bias->f32(), y->f32(), B, K, N, act, bf16); }});
}

void ops::biasAddForward(Engine& e, Args& a) {
  const i64 rows = a.size("rows"), cols = a.size("cols");
  BufferPtr y = a.tensor("y", F32, prod({rows, cols})), bias = a.tensor("bias", F32, cols);
  e.submit(a.env(), {"biasAddForward", [=] { dlrm::biasAddForward(y->f32(), bias->f32(), rows, cols); }});
}

void ops::biasAddBackward(Engine& e, Args& a) {
  const i64 rows = a.size("rows"), cols = a.size("cols");
  BufferPtr dY = a.tensor("dY", F32, prod({rows, cols})), dBias = a.tensor("dBias", F32, cols);
  e.submit(a.env(), {"biasAddBackward", [=] { dlrm::biasAddBackward(dY->f32(), dBias->f32(), rows, cols); }});
}

void ops::reluForward(Engine& e, Args& a) {
  const i64 size = a.size("size");
  BufferPtr x = a.tensor("x", F32, size), y = a.tensor("y", F32, size);
  e.submit(a.env(), {"reluForward", [=] { dlrm::reluForward(x->f32(), y->f32(), size); }});
}

void ops::reluBackward(Engine& e, Args& a) {
  const i64 size = a.size("size");
  BufferPtr y = a.tensor("y", F32, size), dY = a.tensor("dY", F32, size), dX = a.tensor("dX", F32, size);
  e.submit(a.env(), {"reluBackward", [=] { dlrm::reluBackward(y->f32(), dY->f32(), dX->f32(), size); }});
}

void ops::sigmoidForward(Engine& e, Args& a) {
  const i64 size = a.size("size");
  BufferPtr x = a.tensor("x", F32, size), y = a.tensor("y", F32, size);
  e.submit(a.env(), {"sigmoidForward", [=] { dlrm::sigmoidForward(x->f32(), y->f32(), size); }});
}

void ops::sigmoidBackward(Engine& e, Args& a) {
  const i64 size = a.size("size");
  BufferPtr y = a.tensor("y", F32, size), dY = a.tensor("dY", F32, size), dX = a.tensor("dX", F32, size);
  e.submit(a.env(), {"sigmoidBackward", [=] { dlrm::sigmoidBackward(y->f32(), dY->f32(), dX->f32(), size); }});
}

void ops::crossForward(Engine& e, Args& a) {
  const i64 size = a.size("size");
  BufferPtr x0 = a.tensor("x0", F32, size), y = a.tensor("y", F32, size), xl = a.tensor("xl", F32, size),
            out = a.tensor("out", F32, size);
  e.submit(a.env(), {"crossForward", [=] { dlrm::crossForward(x0->f32(), y->f32(), xl->f32(), out->f32(), size); }});
}

void ops::crossBackward(Engine& e, Args& a) {
  const i64 size = a.size("size");
  const bool accumulate = a.flag("accumulate");
  BufferPtr x0 = a.tensor("x0", F32, size), y = a.tensor("y", F32, size), dOut = a.tensor("dOut", F32, size),
            dY = a.tensor("dY", F32, size), dX0 = a.tensor("dX0", F32, size);
  const bool withXl = a.has("dXl");
  BufferPtr dXl = withXl ? a.tensor("dXl", F32, size) : BufferPtr{};
  e.submit(a.env(), {"crossBackward", [=] {
                       dlrm::crossBackward(x0->f32(), y->f32(), dOut->f32(), dY->f32(), dX0->f32(),
                                           withXl ? dXl->f32() : nullptr, withXl, accumulate, size);
                     }});
}

void ops::embeddingBagsForward(Engine& e, Args& a) {
  const std::string op = "embeddingBagsForward";
  const i64 B = a.size("batchSize"), D = a.size("dim");
  const std::vector<BufferPtr> tables = a.tensors("tables", -1);
  const i64 T = static_cast<i64>(tables.size());
  const std::vector<i64> rows = table_rows(a, tables, "tables", D);
  BufferPtr offsets = a.sparse("offsets", prod({T, B}) + 1), indices = a.sparse("indices", 0);
  BufferPtr pooled = a.tensor("pooled", F32, prod({B, T, D}));
  const bool weighted = a.has("rowWeights");
  const std::vector<BufferPtr> weights = weighted ? a.tensors("rowWeights", T) : std::vector<BufferPtr>{};
  e.submit(a.env(), {op, [=] {
                       check_bags(op, offsets->i32p(), T, B, indices->size);
                       check_indices(op, indices->i32p(), offsets->i32p(), T, B, rows.data());
                       std::vector<float*> tp = ptrs(tables), wp = ptrs(weights);
                       dlrm::embeddingBagsForward(tp.data(), weighted ? wp.data() : nullptr, indices->i32p(),
                                                  offsets->i32p(), pooled->f32(), B, T, D);
                     }});
}

void ops::embeddingBagsBackward(Engine& e, Args& a) {
  const std::string op = "embeddingBagsBackward";
  const i64 B = a.size("batchSize"), D = a.size("dim"), T = a.size("numTables");
  BufferPtr dPooled = a.tensor("dPooled", F32, prod({B, T, D}));
  const UniqueTensors s(a, T);
  BufferPtr dRows = a.tensor("dRows", F32, 0);
  const bool weighted = a.has("dRowWeights");
  const std::vector<BufferPtr> tables = weighted ? a.tensors("tables", T) : std::vector<BufferPtr>{};
  const std::vector<i64> rows = weighted ? table_rows(a, tables, "tables", D) : std::vector<i64>{};
  const std::vector<BufferPtr> weights = weighted ? a.tensors("rowWeights", T) : std::vector<BufferPtr>{};
  BufferPtr dRowWeights = weighted ? a.tensor("dRowWeights", F32, 0) : BufferPtr{};
  e.submit(a.env(), {op, [=] {
                       const i64 U = s.check(op, T, B, weighted ? rows.data() : nullptr);
                       check_drows(op, *dRows, U, D);
                       std::vector<float*> tp = ptrs(tables), wp = ptrs(weights);
                       dlrm::RowWeightGrads w;
                       if (weighted) {
                         w.tables = tp.data();
                         w.rowWeights = wp.data();
                         w.uniqueRows = s.uniqueRows->i32p();
                         w.dRowWeights = dRowWeights->f32();
                       }
                       dlrm::embeddingBagsBackward(dPooled->f32(), s.tuo->i32p(), s.csrOffsets->i32p(),
                                                   s.csrBags->i32p(), dRows->f32(), w, B, T, D);
                     }});
}

void ops::sparseSgdStep(Engine& e, Args& a) {
  const std::string op = "sparseSgdStep";
  const i64 D = a.size("dim"), T = a.size("numTables");
  const double lr = a.number("lr");
  const std::vector<BufferPtr> tables = a.tensors("tables", T);
  const std::vector<i64> rows = table_rows(a, tables, "tables", D);
  const UniqueTensors s(a, T);
  BufferPtr dRows = a.tensor("dRows", F32, 0);
  e.submit(a.env(), {op, [=] {
                       const i64 U = s.check(op, T, -1, rows.data(), false);
                       check_drows(op, *dRows, U, D);
                       const bool distinct = unique_rows_distinct(s.tuo->i32p(), s.uniqueRows->i32p(), T);
                       std::vector<float*> tp = ptrs(tables);
                       dlrm::sparseSgdStep(tp.data(), s.uniqueRows->i32p(), s.tuo->i32p(), dRows->f32(), T, D, lr,
                                           distinct);
                     }});
}

namespace {

/** Optimizer state tensors: T of them, each rows[t] x (rowWise ? 1 : D). */
std::vector<BufferPtr> acc_tensors(Args& a, i64 T, const std::vector<i64>& rows, i64 D, bool rowWise) {
  std::vector<BufferPtr> accs = a.tensors("accs", T);
  for (size_t t = 0; t < accs.size(); t++) {
    const i64 need = rows[t] * (rowWise ? 1 : D);
    if (accs[t]->size < need) {
      throw_js(a.env(), ErrorKind::Range,
               arg_name(a.op(), "accs[" + std::to_string(t) + "]") + " has " + std::to_string(accs[t]->size) +
                   " elements, needs at least " + std::to_string(need));
    }
  }
  return accs;
}

}  // namespace

void ops::sparseAdagradStep(Engine& e, Args& a) {
  const std::string op = "sparseAdagradStep";
  const i64 D = a.size("dim"), T = a.size("numTables");
  const double lr = a.number("lr"), eps = a.number("eps");
  const bool rowWise = a.flag("rowWise");
  const std::vector<BufferPtr> tables = a.tensors("tables", T);
  const std::vector<i64> rows = table_rows(a, tables, "tables", D);
  const std::vector<BufferPtr> accs = acc_tensors(a, T, rows, D, rowWise);
  const UniqueTensors s(a, T);
  BufferPtr dRows = a.tensor("dRows", F32, 0);
  e.submit(a.env(), {op, [=] {
                       const i64 U = s.check(op, T, -1, rows.data(), false);
                       check_drows(op, *dRows, U, D);
                       const bool distinct = unique_rows_distinct(s.tuo->i32p(), s.uniqueRows->i32p(), T);
                       std::vector<float*> tp = ptrs(tables), ap = ptrs(accs);
                       dlrm::sparseAdagradStep(tp.data(), ap.data(), s.uniqueRows->i32p(), s.tuo->i32p(), dRows->f32(),
                                               T, D, lr, eps, rowWise, distinct);
                     }});
}

void ops::embeddingBagsBackwardSparseStep(Engine& e, Args& a) {
  const std::string op = "embeddingBagsBackwardSparseStep";
  const i64 B = a.size("batchSize"), D = a.size("dim"), T = a.size("numTables");
  const double lr = a.number("lr"), eps = a.number("eps");
  const bool rowWise = a.flag("rowWise");
  BufferPtr dPooled = a.tensor("dPooled", F32, prod({B, T, D}));
  const std::vector<BufferPtr> tables = a.tensors("tables", T);
  const std::vector<i64> rows = table_rows(a, tables, "tables", D);
  const bool adagrad = a.has("accs");
  const std::vector<BufferPtr> accs = adagrad ? acc_tensors(a, T, rows, D, rowWise) : std::vector<BufferPtr>{};
  const UniqueTensors s(a, T);
  BufferPtr dRows = a.tensor("dRows", F32, 0);
  e.submit(a.env(), {op, [=] {
                       const i64 U = s.check(op, T, B, rows.data());
                       check_drows(op, *dRows, U, D);
                       const bool distinct = unique_rows_distinct(s.tuo->i32p(), s.uniqueRows->i32p(), T);
                       std::vector<float*> tp = ptrs(tables), ap = ptrs(accs);
                       dlrm::embeddingBagsBackwardSparseStep(dPooled->f32(), tp.data(), adagrad ? ap.data() : nullptr,
                                                             s.uniqueRows->i32p(), s.tuo->i32p(), s.csrOffsets->i32p(),
                                                             s.csrBags->i32p(), dRows->f32(), B, T, D, lr, eps, rowWise,
                                                             distinct);
                     }});
}

namespace {

struct InteractionArgs {
  i64 B, D, T, width;
  bool dot, itself, bf16;
  BufferPtr x, pooled;
  explicit InteractionArgs(Args& a) {
    B = a.size("batchSize");
    D = a.size("dim");
    T = a.size("numTables");
    if (T > 65535) throw_js(a.env(), ErrorKind::Range, arg_name(a.op(), "numTables") + " must be at most 65535");
    dot = a.choice("op", {"dot", "cat"}) == 0;
    itself = a.flag("itself");
    bf16 = a.choice("precision", {"fp32", "bf16"}, 0) == 1;
    width = interaction_width(D, T, dot, itself);
    x = a.tensor("x", F32, prod({B, D}));
    pooled = a.tensor("pooled", F32, prod({B, T, D}));
  }
};

}  // namespace

void ops::interactionForward(Engine& e, Args& a) {
  const InteractionArgs p(a);
  BufferPtr out = a.tensor("out", F32, prod({p.B, p.width}));
  e.submit(a.env(), {"interactionForward", [=] {
                       dlrm::interactionForward(p.x->f32(), p.pooled->f32(), out->f32(), p.B, p.D, p.T, p.dot, p.itself,
                                                p.bf16);
                     }});
}

void ops::interactionBackward(Engine& e, Args& a) {
  const InteractionArgs p(a);
  BufferPtr dOut = a.tensor("dOut", F32, prod({p.B, p.width}));
  BufferPtr dX = a.tensor("dX", F32, prod({p.B, p.D}));
  BufferPtr dPooled = a.tensor("dPooled", F32, prod({p.B, p.T, p.D}));
  e.submit(a.env(), {"interactionBackward", [=] {
                       dlrm::interactionBackward(p.x->f32(), p.pooled->f32(), dOut->f32(), dX->f32(), dPooled->f32(),
                                                 p.B, p.D, p.T, p.dot, p.itself, p.bf16);
                     }});
}

namespace {

struct LossArgs {
  i64 B;
  bool mse;
  double threshold;
  BufferPtr logits, targets;
  explicit LossArgs(Args& a) {
    B = a.size("batchSize");
    mse = a.choice("loss", {"bce", "mse"}) == 1;
    threshold = a.number("threshold");
    if (!(threshold >= 0 && threshold < 0.5)) {
      throw_js(a.env(), ErrorKind::Range,
               arg_name(a.op(), "threshold") + " must be in [0, 0.5), got " + std::to_string(threshold));
    }
    logits = a.tensor("logits", F32, B);
    targets = a.tensor("targets", F32, B);
  }
};

}  // namespace

void ops::lossForward(Engine& e, Args& a) {
  const LossArgs p(a);
  BufferPtr probs = a.tensor("probs", F32, p.B), stats = a.tensor("stats", F32, 3);
  e.submit(a.env(), {"lossForward", [=] {
                       dlrm::lossForward(p.logits->f32(), p.targets->f32(), probs->f32(), stats->f32(), p.B, p.mse,
                                         p.threshold);
                     }});
}

void ops::lossBackward(Engine& e, Args& a) {
  const LossArgs p(a);
  BufferPtr dLogits = a.tensor("dLogits", F32, p.B);
  const i64 meanOver = a.has("meanOver") ? a.size("meanOver") : p.B;
  if (meanOver < 1) {
    throw_js(a.env(), ErrorKind::Range,
             arg_name(a.op(), "meanOver") + " must be at least 1, got " + std::to_string(meanOver));
  }
  e.submit(a.env(), {"lossBackward", [=] {
                       dlrm::lossBackward(p.logits->f32(), p.targets->f32(), dLogits->f32(), p.B, meanOver, p.mse,
                                          p.threshold);
                     }});
}

void ops::sgdStep(Engine& e, Args& a) {
  const i64 size = a.size("size");
  const double lr = a.number("lr");
  BufferPtr param = a.tensor("param", F32, size), grad = a.tensor("grad", F32, size);
  e.submit(a.env(), {"sgdStep", [=] { dlrm::sgdStep(param->f32(), grad->f32(), size, lr); }});
}

void ops::adagradStep(Engine& e, Args& a) {
  const i64 size = a.size("size");
  const double lr = a.number("lr"), eps = a.number("eps");
  BufferPtr param = a.tensor("param", F32, size), grad = a.tensor("grad", F32, size), acc = a.tensor("acc", F32, size);
  e.submit(a.env(), {"adagradStep", [=] { dlrm::adagradStep(param->f32(), grad->f32(), acc->f32(), size, lr, eps); }});
}

void ops::fusedAdagradStep(Engine& e, Args& a) {
  const std::string op = "fusedAdagradStep";
  const double lr = a.number("lr"), eps = a.number("eps");
  const std::vector<BufferPtr> params = a.tensors("params", -1);
  const std::vector<BufferPtr> grads = a.tensors("grads", -1);
  const std::vector<BufferPtr> accs = a.tensors("accs", -1);
  if (grads.size() != params.size() || accs.size() != params.size()) {
    throw_js(a.env(), ErrorKind::Range,
             op + ": arguments \"params\" (" + std::to_string(params.size()) + "), \"grads\" (" +
                 std::to_string(grads.size()) + ") and \"accs\" (" + std::to_string(accs.size()) +
                 ") must have the same length");
  }
  std::vector<i64> sizes;
  std::unordered_set<const Buffer*> written;
  bool overlap = false;
  for (size_t i = 0; i < params.size(); i++) {
    const i64 n = params[i]->size;
    if (grads[i]->size < n || accs[i]->size < n) {
      const bool g = grads[i]->size < n;
      throw_js(a.env(), ErrorKind::Range,
               arg_name(op, std::string(g ? "grads[" : "accs[") + std::to_string(i) + "]") + " has " +
                   std::to_string(g ? grads[i]->size : accs[i]->size) + " elements, params[" + std::to_string(i) +
                   "] has " + std::to_string(n));
    }
    sizes.push_back(n);
    overlap = overlap || !written.insert(params[i].get()).second || !written.insert(accs[i].get()).second;
  }
  e.submit(a.env(), {op, [=] {
                       std::vector<float*> pp = ptrs(params), ap = ptrs(accs), gp = ptrs(grads);
                       std::vector<const float*> gc(gp.begin(), gp.end());
                       if (!overlap) {
                         dlrm::fusedAdagradStep(pp.data(), gc.data(), ap.data(), sizes.data(),
                                                static_cast<i64>(sizes.size()), lr, eps);
                         return;
                       }
                       for (size_t i = 0; i < sizes.size(); i++)
                         dlrm::adagradStep(pp[i], gc[i], ap[i], sizes[i], lr, eps);
                     }});
}

void ops::fill(Engine& e, Args& a) {
  const Napi::Value vv = a.value("value");
  if (!vv.IsNumber()) throw_js(a.env(), ErrorKind::Type, arg_name("fill", "value") + " must be a number");
  const double value = vv.As<Napi::Number>().DoubleValue();
  const Napi::Value tv = a.value("t");
  const double id = tv.IsNumber() ? tv.As<Napi::Number>().DoubleValue() : 0.0;
  BufferPtr probe = (id >= 1 && id <= 9007199254740991.0) ? e.lookup(static_cast<i64>(id)) : nullptr;
  const bool isI32 = probe && probe->dtype == DType::I32;
  BufferPtr t = a.tensor("t", isI32 ? DType::I32 : F32, 0);
  if (isI32) {
    if (!std::isfinite(value) || value != std::floor(value)) {
      throw_js(a.env(), ErrorKind::Type, arg_name("fill", "value") + " must be an integer for an i32 tensor");
    }
    if (value < -2147483648.0 || value > 2147483647.0) {
      throw_js(a.env(), ErrorKind::Range, arg_name("fill", "value") + " does not fit in i32");
    }
    const i32 v = static_cast<i32>(value);
    e.submit(a.env(), {"fill", [=] { dlrm::fill(t->i32p(), t->size, v); }});
  } else {
    const float v = static_cast<float>(value);
    e.submit(a.env(), {"fill", [=] { dlrm::fill(t->f32(), t->size, v); }});
  }
}

}  // namespace dlrm
