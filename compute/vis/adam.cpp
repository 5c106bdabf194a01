#include "compute/vis/adam.hpp"

#include <cmath>

namespace deepvis::vis {

void Adam::step(const float* g, float* delta, int64_t begin, int64_t count, int t, double lr, double beta1,
                double beta2, double eps) {
  const double correct1 = 1.0 - std::pow(beta1, t), correct2 = 1.0 - std::pow(beta2, t);
  float* m = m_.data() + begin;
  float* v = v_.data() + begin;
  for (int64_t i = 0; i < count; ++i) {
    const double gi = g[i];
    const double mi = beta1 * m[i] + (1.0 - beta1) * gi;
    const double vi = beta2 * v[i] + (1.0 - beta2) * gi * gi;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    delta[i] = static_cast<float>(lr * (mi / correct1) / (std::sqrt(vi / correct2) + eps));
  }
}

}  // namespace deepvis::vis
