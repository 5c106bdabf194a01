// CPU binary ops (compute/ops/binary.hpp) with numpy broadcasting. The dims are collapsed once: size-1 output dims
// vanish and neighbours with the same broadcast pattern merge, so same-dims becomes one flat loop and a (1,C,1,1)
// operand becomes (N, C, H*W) rows with a scalar per row. Add and Mul, on every residual and gate, have loops the
// compiler vectorizes per stride pattern; the others run the shared formulas per element. Loops run under OpenMP;
// oneDNN's binary has no broadcast backward.
#include "compute/ops/binary.hpp"

#include "compute/cpu/kernels.hpp"

#include <array>
#include <string>

namespace deepvis::cpu {

namespace {

constexpr int kMaxRank = 16;
constexpr int64_t kParallelFrom = 32768;  // elements; below this threads cost more than they save

using Strides = std::array<int64_t, kMaxRank>;

// The collapsed iteration space of one broadcast op.
struct Plan {
  int rank = 0;
  Strides dims{};
  Strides stride_a{};  // 0 where a is broadcast
  Strides stride_b{};
  int64_t total = 0;
};

Plan make_plan(const Dims& a, const Dims& b, const Dims& out, const std::string& node) {
  const size_t r = out.size();
  auto padded = [&](const Dims& d, size_t i) { return i < r - d.size() ? int64_t{1} : d[i - (r - d.size())]; };
  Plan p;
  std::array<bool, kMaxRank> bcast_a{};
  std::array<bool, kMaxRank> bcast_b{};
  for (size_t i = 0; i < r; ++i) {
    if (out[i] == 1) continue;  // contributes nothing to any offset
    const bool ba = padded(a, i) == 1;
    const bool bb = padded(b, i) == 1;
    if (p.rank > 0 && bcast_a[static_cast<size_t>(p.rank - 1)] == ba &&
        bcast_b[static_cast<size_t>(p.rank - 1)] == bb) {
      p.dims[static_cast<size_t>(p.rank - 1)] *= out[i];
      continue;
    }
    if (p.rank == kMaxRank) throw Error("cpu: node '" + node + "' has more dims than the binary kernel handles");
    p.dims[static_cast<size_t>(p.rank)] = out[i];
    bcast_a[static_cast<size_t>(p.rank)] = ba;
    bcast_b[static_cast<size_t>(p.rank)] = bb;
    ++p.rank;
  }
  if (p.rank == 0) {  // every dim is 1: a single element
    p.rank = 1;
    p.dims[0] = 1;
  }
  int64_t run_a = 1;
  int64_t run_b = 1;
  for (size_t k = static_cast<size_t>(p.rank); k-- > 0;) {
    p.stride_a[k] = bcast_a[k] ? 0 : run_a;
    p.stride_b[k] = bcast_b[k] ? 0 : run_b;
    if (!bcast_a[k]) run_a *= p.dims[k];
    if (!bcast_b[k]) run_b *= p.dims[k];
  }
  p.total = numel(out);
  return p;
}

// One operand's view for the backward reduction: the dims it keeps (its own layout) and the dims summed away.
struct Reduction {
  int kept = 0;
  Strides kept_dims{};
  Strides kept_out{};    // output stride of each kept dim
  Strides kept_other{};  // the other operand's stride along it
  int reduced = 0;
  Strides red_dims{};
  Strides red_out{};
  Strides red_other{};
  int64_t count = 0;  // elements of the operand
  bool full = true;   // no broadcast dims: the gradient is elementwise
};

Reduction make_reduction(const Plan& p, const Strides& self, const Strides& other) {
  Reduction r;
  int64_t out_stride = 1;
  Strides out_strides{};
  for (size_t k = static_cast<size_t>(p.rank); k-- > 0;) {
    out_strides[k] = out_stride;
    out_stride *= p.dims[k];
  }
  r.count = 1;
  for (size_t k = 0; k < static_cast<size_t>(p.rank); ++k) {
    if (self[k] != 0) {
      const auto i = static_cast<size_t>(r.kept++);
      r.kept_dims[i] = p.dims[k];
      r.kept_out[i] = out_strides[k];
      r.kept_other[i] = other[k];
      r.count *= p.dims[k];
    } else {
      const auto i = static_cast<size_t>(r.reduced++);
      r.red_dims[i] = p.dims[k];
      r.red_out[i] = out_strides[k];
      r.red_other[i] = other[k];
      r.full = false;
    }
  }
  return r;
}

class BinaryKernel final : public Kernel {
 public:
  explicit BinaryKernel(const KernelSpec& spec)
      : kind_(spec.node.kind),
        plan_(make_plan(spec.input_dims.at(0), spec.input_dims.at(1), spec.output_dims, spec.node.name)),
        reduce_a_(make_reduction(plan_, plan_.stride_a, plan_.stride_b)),
        reduce_b_(make_reduction(plan_, plan_.stride_b, plan_.stride_a)) {}

  void forward(const ForwardArgs& args) override {
    if (plan_.total == 0) return;
    const float* a = args.inputs.at(0)->data();
    const float* b = args.inputs.at(1)->data();
    float* y = args.output->data();
    if (kind_ == OpKind::Add || kind_ == OpKind::Mul) {
      combine(a, plan_.stride_a, b, plan_.stride_b, kind_ == OpKind::Mul, y);
      return;
    }
    const OpKind kind = kind_;
    each_output([&](int64_t i, int64_t oa, int64_t ob) { y[i] = binary_value<float>(kind, a[oa], b[ob]); });
  }

  void backward(const BackwardArgs& args) override {
    const float* a = args.inputs.at(0)->data();
    const float* b = args.inputs.at(1)->data();
    const float* g = args.grad_output->data();
    if (plan_.total == 0) {  // an empty output: nothing flows back (an operand may still have elements)
      for (Tensor* grad : args.grad_inputs) {
        if (grad != nullptr) grad->fill(0.0f);
      }
      return;
    }
    for (int operand = 0; operand < 2; ++operand) {
      Tensor* grad = args.grad_inputs.at(static_cast<size_t>(operand));
      if (grad == nullptr) continue;
      if (kind_ == OpKind::Add || kind_ == OpKind::Mul) {
        const bool first = operand == 0;
        fast_grad(g, first ? reduce_a_ : reduce_b_, first ? plan_.stride_a : plan_.stride_b, first ? b : a,
                  first ? plan_.stride_b : plan_.stride_a, grad->data());
      } else {
        general_grad(operand, args.mode, a, b, g, grad->data());
      }
    }
  }

 private:
  // Calls fn(output index, offset into a, offset into b) for every output element, over OpenMP threads.
  template <class Fn>
  void each_output(Fn fn) const {
    const auto last = static_cast<size_t>(plan_.rank - 1);
    const int64_t inner = plan_.dims[last];
    const int64_t rows = plan_.total / inner;
    const int64_t ia = plan_.stride_a[last];
    const int64_t ib = plan_.stride_b[last];
#pragma omp parallel for if (plan_.total > kParallelFrom)
    for (int64_t row = 0; row < rows; ++row) {
      int64_t oa = 0;
      int64_t ob = 0;
      int64_t rest = row;
      for (size_t k = last; k-- > 0;) {
        const int64_t c = rest % plan_.dims[k];
        rest /= plan_.dims[k];
        oa += c * plan_.stride_a[k];
        ob += c * plan_.stride_b[k];
      }
      for (int64_t i = 0; i < inner; ++i) fn(row * inner + i, oa + i * ia, ob + i * ib);
    }
  }

  // Calls term(offset into the output, offset into the other operand) for every output element that element j
  // of the operand reaches, and stores the sum in out[j]: float partials per innermost run, added in double.
  template <class Term>
  void reduce_into(const Reduction& r, float* out, Term term) const {
    const auto last = static_cast<size_t>(r.reduced - 1);
    const int64_t inner = r.red_dims[last];
    const int64_t inner_out = r.red_out[last];
    const int64_t inner_other = r.red_other[last];
    const int64_t outer = plan_.total / r.count / inner;
#pragma omp parallel for if (plan_.total > kParallelFrom)
    for (int64_t j = 0; j < r.count; ++j) {
      int64_t base_out = 0;
      int64_t base_other = 0;
      int64_t rest = j;
      for (size_t k = static_cast<size_t>(r.kept); k-- > 0;) {
        const int64_t c = rest % r.kept_dims[k];
        rest /= r.kept_dims[k];
        base_out += c * r.kept_out[k];
        base_other += c * r.kept_other[k];
      }
      double acc = 0.0;
      for (int64_t o = 0; o < outer; ++o) {
        int64_t po = base_out;
        int64_t pp = base_other;
        int64_t orest = o;
        for (size_t k = last; k-- > 0;) {
          const int64_t c = orest % r.red_dims[k];
          orest /= r.red_dims[k];
          po += c * r.red_out[k];
          pp += c * r.red_other[k];
        }
        float part = 0.0f;  // vectorized (simd reduction may reassociate); runs add up in double
#pragma omp simd reduction(+ : part)
        for (int64_t i = 0; i < inner; ++i) part += term(j, po + i * inner_out, pp + i * inner_other);
        acc += part;
      }
      out[j] = static_cast<float>(acc);
    }
  }

  // y = x op z (Add or Mul) over the whole output, x and z read through their (collapsed) strides.
  void combine(const float* x, const Strides& sx, const float* z, const Strides& sz, bool mul, float* y) const {
    const auto last = static_cast<size_t>(plan_.rank - 1);
    const int64_t inner = plan_.dims[last];
    const int64_t rows = plan_.total / inner;
    const int64_t ix = sx[last];
    const int64_t iz = sz[last];
#pragma omp parallel for if (plan_.total > kParallelFrom)
    for (int64_t row = 0; row < rows; ++row) {
      int64_t ox = 0;
      int64_t oz = 0;
      int64_t rest = row;
      for (size_t k = last; k-- > 0;) {
        const int64_t c = rest % plan_.dims[k];
        rest /= plan_.dims[k];
        ox += c * sx[k];
        oz += c * sz[k];
      }
      const float* px = x + ox;
      const float* pz = z + oz;
      float* py = y + row * inner;
      // The four stride patterns of the innermost dim, each a simple loop the compiler vectorizes.
      if (ix == 1 && iz == 1) {
        if (mul) {
          for (int64_t i = 0; i < inner; ++i) py[i] = px[i] * pz[i];
        } else {
          for (int64_t i = 0; i < inner; ++i) py[i] = px[i] + pz[i];
        }
      } else if (ix == 1) {
        const float vz = *pz;
        if (mul) {
          for (int64_t i = 0; i < inner; ++i) py[i] = px[i] * vz;
        } else {
          for (int64_t i = 0; i < inner; ++i) py[i] = px[i] + vz;
        }
      } else if (iz == 1) {
        const float vx = *px;
        if (mul) {
          for (int64_t i = 0; i < inner; ++i) py[i] = vx * pz[i];
        } else {
          for (int64_t i = 0; i < inner; ++i) py[i] = vx + pz[i];
        }
      } else {
        const float v = mul ? *px * *pz : *px + *pz;
        for (int64_t i = 0; i < inner; ++i) py[i] = v;
      }
    }
  }

  // Add's or Mul's gradient of one operand (strides `self`); `other` is the other operand (used by Mul).
  void fast_grad(const float* g, const Reduction& r, const Strides& self, const float* other, const Strides& so,
                 float* out) const {
    const bool mul = kind_ == OpKind::Mul;
    if (r.full) {  // same element count as the output: elementwise, laid out like the output
      if (mul) {
        combine(g, self, other, so, true, out);
      } else {
#pragma omp parallel for if (plan_.total > kParallelFrom)
        for (int64_t i = 0; i < plan_.total; ++i) out[i] = g[i];
      }
      return;
    }
    if (mul) {
      reduce_into(r, out, [g, other](int64_t, int64_t po, int64_t pp) { return g[po] * other[pp]; });
    } else {
      reduce_into(r, out, [g](int64_t, int64_t po, int64_t) { return g[po]; });
    }
  }

  // Any other op's signal to one operand, through the shared formulas.
  void general_grad(int operand, BackwardMode mode, const float* a, const float* b, const float* g, float* out) const {
    const OpKind kind = kind_;
    const Reduction& r = operand == 0 ? reduce_a_ : reduce_b_;
    if (r.full) {  // laid out like the output
      each_output([&](int64_t i, int64_t oa, int64_t ob) {
        out[i] = binary_signal<float>(kind, operand, mode, a[oa], b[ob], g[i]);
      });
      return;
    }
    const float* self = operand == 0 ? a : b;
    const float* other = operand == 0 ? b : a;
    reduce_into(r, out, [&](int64_t j, int64_t po, int64_t pp) {
      const float va = operand == 0 ? self[j] : other[pp];
      const float vb = operand == 0 ? other[pp] : self[j];
      return binary_signal<float>(kind, operand, mode, va, vb, g[po]);
    });
  }

  OpKind kind_;
  Plan plan_;
  Reduction reduce_a_;
  Reduction reduce_b_;
};

}  // namespace

std::unique_ptr<Kernel> make_binary_kernel(const KernelSpec& spec) {
  if (!is_binary(spec.node.kind)) {
    throw Error("cpu: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) + ") is not a binary op");
  }
  if (spec.input_dims.size() != 2) throw Error("cpu: node '" + spec.node.name + "' needs two inputs");
  return std::make_unique<BinaryKernel>(spec);
}

}  // namespace deepvis::cpu
