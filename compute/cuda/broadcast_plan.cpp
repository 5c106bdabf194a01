#include "compute/cuda/broadcast_plan.hpp"

#include "compute/core/error.hpp"

namespace deepvis::cuda {

BroadcastPlan plan_broadcast(const Dims& a, const Dims& b, const Dims& out) {
  const size_t rank = out.size();
  auto aligned = [rank](const Dims& d, size_t i) {
    return i < rank - d.size() ? int64_t{1} : d[i - (rank - d.size())];
  };
  BroadcastPlan plan;
  std::vector<bool> bcast_a, bcast_b;
  for (size_t i = 0; i < rank; ++i) {
    if (out[i] == 1) continue;  // moves no offset
    const bool ba = aligned(a, i) == 1;
    const bool bb = aligned(b, i) == 1;
    if (!plan.dims.empty() && bcast_a.back() == ba && bcast_b.back() == bb) {
      plan.dims.back() *= out[i];
      continue;
    }
    plan.dims.push_back(out[i]);
    bcast_a.push_back(ba);
    bcast_b.push_back(bb);
  }
  if (plan.dims.empty()) {  // every dim is 1: one element
    plan.dims.push_back(1);
    bcast_a.push_back(false);
    bcast_b.push_back(false);
  }
  if (plan.dims.size() > static_cast<size_t>(kMaxBroadcastRank)) {
    throw Error("shapes " + to_string(a) + " and " + to_string(b) + " broadcast over more than " +
                std::to_string(kMaxBroadcastRank) + " distinct dims");
  }
  const size_t r = plan.dims.size();
  plan.stride_a.assign(r, 0);
  plan.stride_b.assign(r, 0);
  int64_t run_a = 1, run_b = 1;
  for (size_t k = r; k-- > 0;) {
    if (!bcast_a[k]) {
      plan.stride_a[k] = run_a;
      run_a *= plan.dims[k];
    }
    if (!bcast_b[k]) {
      plan.stride_b[k] = run_b;
      run_b *= plan.dims[k];
    }
  }
  plan.total = numel(out);
  return plan;
}

ReductionPlan plan_reduction(const BroadcastPlan& plan, bool for_a) {
  const std::vector<int64_t>& self = for_a ? plan.stride_a : plan.stride_b;
  const std::vector<int64_t>& other = for_a ? plan.stride_b : plan.stride_a;
  const size_t r = plan.dims.size();
  std::vector<int64_t> out_stride(r);
  int64_t run = 1;
  for (size_t k = r; k-- > 0;) {
    out_stride[k] = run;
    run *= plan.dims[k];
  }
  ReductionPlan red;
  for (size_t k = 0; k < r; ++k) {
    // A dim of extent 1 (only the all-ones case) counts as kept: it sums nothing.
    if (self[k] != 0 || plan.dims[k] == 1) {
      red.kept_dims.push_back(plan.dims[k]);
      red.kept_out.push_back(out_stride[k]);
      red.kept_other.push_back(other[k]);
      red.count *= plan.dims[k];
    } else {
      red.red_dims.push_back(plan.dims[k]);
      red.red_out.push_back(out_stride[k]);
      red.red_other.push_back(other[k]);
      red.per_element *= plan.dims[k];
      red.full = false;
    }
  }
  return red;
}

}  // namespace deepvis::cuda
