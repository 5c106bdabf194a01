#pragma once
// Adam (Kingma & Ba 2015) as an ascent step on a flat parameter vector, state preallocated:
//   m = beta1 m + (1 - beta1) g,  v = beta2 v + (1 - beta2) g^2,
//   delta = lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
// The caller adds delta (to ascend along g). Slices let a batch keep one state per element.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace deepvis::vis {

class Adam {
 public:
  Adam() = default;
  explicit Adam(int64_t size) : m_(static_cast<size_t>(size), 0.0f), v_(static_cast<size_t>(size), 0.0f) {}

  // Entries [begin, begin + count) of the state with gradient g (count entries); t: this slice's step, from 1.
  // Writes delta (count entries). Allocates nothing.
  void step(const float* g, float* delta, int64_t begin, int64_t count, int t, double lr, double beta1, double beta2,
            double eps);

  const std::vector<float>& m() const { return m_; }
  const std::vector<float>& v() const { return v_; }

 private:
  std::vector<float> m_, v_;
};

}  // namespace deepvis::vis
