// The FFT parameterization: single frequencies decode to the cosines and sines the definition gives (scale,
// sign and colour mixing by hand), the adjoint passes the dot-product test, and the pseudo-inverse re-encodes.
#include "compute/vis/fft_param.hpp"
#include "compute/core/error.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace deepvis;
using vis::FftParam;

namespace {

const double kPi = 3.14159265358979323846;
const double kMaxColumnNorm = std::sqrt(0.26 * 0.26 + 0.27 * 0.27 + 0.27 * 0.27);  // Lucid's matrix, column 0

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

std::vector<float> random_vector(size_t n, uint32_t seed) {
  const Tensor t = test::random_tensor({static_cast<int64_t>(n)}, seed);
  return std::vector<float>(t.data(), t.data() + n);
}

}  // namespace

TEST_CASE("fft-param: single frequencies decode to alpha * c * cos / -sin, mixed by the colour matrix") {
  const int64_t h = 6, w = 8, plane = h * w;
  FftParam p(3, h, w, false);
  const double alpha = 255.0 / (16.0 * std::sqrt(48.0));
  CHECK(p.alpha() == doctest::Approx(alpha));
  CHECK(p.frequency_scale(0, 1) == doctest::Approx(8.0));                                   // 1 / |1/8|
  CHECK(p.frequency_scale(1, 0) == doctest::Approx(6.0));                                   // 1 / |1/6|
  CHECK(p.frequency_scale(0, 0) == doctest::Approx(8.0));                                   // DC: 1 / max(0, 1/8)
  CHECK(p.frequency_scale(5, 7) == doctest::Approx(1.0 / std::sqrt(1.0 / 36 + 1.0 / 64)));  // (-1/6, -1/8)

  std::vector<float> s(static_cast<size_t>(p.spectrum_size()), 0.0f), x(static_cast<size_t>(3 * plane));
  s[static_cast<size_t>(plane * 2 + 1 * 2)] = 1.0f;        // channel 1, bin (0, 1), real part
  s[static_cast<size_t>(0 + (1 * w + 0) * 2 + 1)] = 1.0f;  // channel 0, bin (1, 0), imaginary part
  p.decode(s.data(), x.data());
  for (int c = 0; c < 3; ++c) {
    for (int64_t yy = 0; yy < h; ++yy) {
      for (int64_t xx = 0; xx < w; ++xx) {
        const double y1 = alpha * 8.0 * std::cos(2 * kPi * static_cast<double>(xx) / 8.0);
        const double y0 = -alpha * 6.0 * std::sin(2 * kPi * static_cast<double>(yy) / 6.0);
        const double expected =
            (vis::kColorCorrelationSqrt[c][0] * y0 + vis::kColorCorrelationSqrt[c][1] * y1) / kMaxColumnNorm;
        CHECK(x[static_cast<size_t>(c * plane + yy * w + xx)] == doctest::Approx(expected).epsilon(1e-5));
      }
    }
  }
}

TEST_CASE("fft-param: BGR models get the colour matrix's rows reversed") {
  FftParam rgb(3, 4, 4, false), bgr(3, 4, 4, true);
  for (int c = 0; c < 3; ++c) {
    for (int j = 0; j < 3; ++j) CHECK(bgr.mix(c, j) == rgb.mix(2 - c, j));
  }
  CHECK(rgb.mix(0, 0) == doctest::Approx(0.26 / kMaxColumnNorm));
}

TEST_CASE("fft-param: the adjoint passes the dot-product test <P s, g> = <s, P^T g>") {
  for (auto [h, w, bgr] :
       {std::tuple<int64_t, int64_t, bool>{6, 8, false}, {5, 7, true}, {1, 4, false}, {9, 3, true}}) {
    CAPTURE(h);
    CAPTURE(w);
    FftParam p(3, h, w, bgr);
    const auto n_s = static_cast<size_t>(p.spectrum_size()), n_x = static_cast<size_t>(3 * h * w);
    const std::vector<float> s = random_vector(n_s, 1), g = random_vector(n_x, 2);
    std::vector<float> ps(n_x), ptg(n_s);
    p.decode(s.data(), ps.data());
    p.adjoint(g.data(), ptg.data());
    const double lhs = dot(ps, g), rhs = dot(s, ptg);
    CHECK(std::abs(lhs - rhs) <= 1e-5 * (std::abs(lhs) + 1.0));
    CHECK(std::abs(lhs) > 1e-2);
  }
}

TEST_CASE("fft-param: decode(encode(x)) == x, and the image of the adjoint re-encodes to itself") {
  FftParam p(3, 7, 10, false);
  const auto n_s = static_cast<size_t>(p.spectrum_size()), n_x = static_cast<size_t>(3 * 7 * 10);
  const std::vector<float> x = random_vector(n_x, 4);
  std::vector<float> s(n_s), back(n_x);
  p.encode(x.data(), s.data());
  p.decode(s.data(), back.data());
  for (size_t i = 0; i < n_x; ++i) CHECK(back[i] == doctest::Approx(x[i]).epsilon(1e-5).scale(1.0));
  // A gradient step lies in P's row space, where P^+ P is the identity: encode(decode(P^T g)) == P^T g.
  const std::vector<float> g = random_vector(n_x, 5);
  std::vector<float> step(n_s), again(n_s);
  p.adjoint(g.data(), step.data());
  p.decode(step.data(), back.data());
  p.encode(back.data(), again.data());
  double worst = 0.0, scale = 0.0;
  for (size_t i = 0; i < n_s; ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(again[i]) - step[i]));
    scale = std::max(scale, std::abs(static_cast<double>(step[i])));
  }
  CHECK(worst <= 1e-5 * scale);
}

TEST_CASE("fft-param: a model without 3 channels is refused with the reason") {
  CHECK_THROWS_WITH_AS(FftParam(1, 8, 8, false), doctest::Contains("needs a 3-channel model; this one has 1 channel"),
                       Error);
}
