#include "app/engine/top_predictions.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace deepvis::app {

std::vector<Prediction> top_predictions(const Tensor& output, int k, const std::vector<std::string>* labels,
                                        bool already_probabilities) {
  if (output.empty() || output.rank() == 0 || output.dim(0) == 0) return {};
  const int64_t n = output.numel() / output.dim(0);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  const int64_t count = std::min<int64_t>(k, n);
  std::partial_sort(order.begin(), order.begin() + count, order.end(), [&](int64_t a, int64_t b) {
    return output.at(a) > output.at(b) || (output.at(a) == output.at(b) && a < b);
  });
  // Softmax relative to the largest value, in double, so large logits do not overflow.
  const double top = output.at(order.front());
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(output.at(i)) - top);
  std::vector<Prediction> out;
  for (int64_t r = 0; r < count; ++r) {
    Prediction p;
    p.index = order[static_cast<size_t>(r)];
    p.value = output.at(p.index);
    p.probability = already_probabilities ? p.value : static_cast<float>(std::exp(p.value - top) / sum);
    if (labels && p.index < static_cast<int64_t>(labels->size())) p.label = (*labels)[static_cast<size_t>(p.index)];
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace deepvis::app
