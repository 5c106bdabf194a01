// The optimizer's objectives: values and seeds (dJ/d activations, J = sum_k push_dir * value_k) against
// hand-computed numbers, and every seed against central finite differences of J.
#include "compute/vis/objective.hpp"
#include "compute/core/error.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace deepvis;
using vis::Objective;
using vis::ObjectiveKind;

namespace {

// N=2, C=3, 2x2: acts[k][c][p].
const Tensor kActs({2, 3, 2, 2}, {1, 2, 3, 4, 0, -1, 5, 2, 0.5f, 0.5f, 1, 1,  //
                                  2, 0, 0, 2, 1, 1,  1, 1, -1,   3,    0, 4});
const std::vector<int64_t> kUnits = {1, 2};
const int64_t kPosition = 2;  // (y 1, x 0)
const std::vector<float> kDirection = {1.0f, -2.0f, 0.5f};

// The seed of element k as a (C, P) table.
float seed_at(const Tensor& seed, int64_t k, int64_t c, int64_t p) {
  return seed.at((k * 3 + c) * 4 + p);
}

double objective_sum(Objective& o, const Tensor& acts, const std::vector<int64_t>& units, int dir, double w,
                     Tensor& seed) {
  o.evaluate(acts, units, dir, w, seed);
  double j = 0.0;
  for (double v : o.values()) j += dir * v;
  return j;
}

// max |seed - central difference of J| / max |seed| over every activation.
double seed_fd_error(ObjectiveKind kind, const Tensor& acts, const std::vector<int64_t>& units, int64_t position,
                     const std::vector<float>& direction, int dir, double w) {
  Objective o(kind, acts.dims(), position, direction);
  Tensor seed(acts.dims()), scratch(acts.dims());
  o.evaluate(acts, units, dir, w, seed);
  const Tensor analytic = seed.clone();
  Tensor probe = acts.clone();
  const float h = 1e-3f;
  double worst = 0.0, scale = 1e-12;
  for (int64_t i = 0; i < acts.numel(); ++i) {
    const float keep = probe.at(i);
    probe.at(i) = keep + h;
    const double up = objective_sum(o, probe, units, dir, w, scratch);
    probe.at(i) = keep - h;
    const double down = objective_sum(o, probe, units, dir, w, scratch);
    probe.at(i) = keep;
    const double fd = (up - down) / (static_cast<double>(keep + h) - static_cast<double>(keep - h));
    worst = std::max(worst, std::abs(fd - analytic.at(i)));
    scale = std::max(scale, std::abs(static_cast<double>(analytic.at(i))));
  }
  return worst / scale;
}

}  // namespace

TEST_CASE("objective: neuron is the unit at its position, seed push_dir there") {
  Objective o(ObjectiveKind::Neuron, kActs.dims(), kPosition);
  Tensor seed(kActs.dims());
  seed.fill(7.0f);  // overwritten entirely
  o.evaluate(kActs, kUnits, -1, 0.0, seed);
  CHECK(o.values() == std::vector<double>{5.0, 0.0});
  double total = 0;
  for (int64_t i = 0; i < seed.numel(); ++i) total += std::abs(seed.at(i));
  CHECK(total == 2.0);
  CHECK(seed_at(seed, 0, 1, 2) == -1.0f);
  CHECK(seed_at(seed, 1, 2, 2) == -1.0f);
}

TEST_CASE("objective: channel is the mean over positions, seed 1/P on the unit's channel") {
  Objective o(ObjectiveKind::Channel, kActs.dims(), kPosition);
  Tensor seed(kActs.dims());
  o.evaluate(kActs, kUnits, 1, 0.0, seed);
  CHECK(o.values()[0] == doctest::Approx(1.5));  // (0 - 1 + 5 + 2) / 4
  CHECK(o.values()[1] == doctest::Approx(1.5));  // (-1 + 3 + 0 + 4) / 4
  for (int64_t p = 0; p < 4; ++p) {
    CHECK(seed_at(seed, 0, 1, p) == 0.25f);
    CHECK(seed_at(seed, 0, 0, p) == 0.0f);
    CHECK(seed_at(seed, 1, 2, p) == 0.25f);
    CHECK(seed_at(seed, 1, 1, p) == 0.0f);
  }
}

TEST_CASE("objective: direction is the mean over positions of d . a, direction_neuron d . a at the unit") {
  Tensor seed(kActs.dims());
  Objective mean(ObjectiveKind::Direction, kActs.dims(), kPosition, kDirection);
  mean.evaluate(kActs, kUnits, 1, 0.0, seed);
  // Element 0 per position: 1.25, 4.25, -6.5, 0.5; element 1: -0.5, -0.5, -2, 2.
  CHECK(mean.values()[0] == doctest::Approx(-0.125));
  CHECK(mean.values()[1] == doctest::Approx(-0.25));
  for (int64_t c = 0; c < 3; ++c) {
    for (int64_t p = 0; p < 4; ++p) CHECK(seed_at(seed, 1, c, p) == doctest::Approx(kDirection[c] / 4.0));
  }
  Objective at_unit(ObjectiveKind::DirectionNeuron, kActs.dims(), kPosition, kDirection);
  at_unit.evaluate(kActs, kUnits, -1, 0.0, seed);
  CHECK(at_unit.values()[0] == doctest::Approx(-6.5));
  CHECK(at_unit.values()[1] == doctest::Approx(-2.0));
  CHECK(seed_at(seed, 0, 1, 2) == 2.0f);  // -1 * -2
  CHECK(seed_at(seed, 0, 1, 1) == 0.0f);
  CHECK(seed_at(seed, 1, 2, 2) == -0.5f);
}

TEST_CASE("objective: a direction must have one weight per channel") {
  CHECK_THROWS_WITH_AS(Objective(ObjectiveKind::Direction, kActs.dims(), 0, {1.0f, 2.0f}),
                       doctest::Contains("has 3 channels"), Error);
}

TEST_CASE("objective: diversity on two elements, by hand") {
  // a0 = (1, 0), a1 = (1, 1) (FC layer, C 2): G = a a^T, cos(G0, G1) = (a0.a1)^2 / (|a0|^2 |a1|^2) = 1/2.
  const Tensor acts({2, 2}, {1, 0, 1, 1});
  Objective o(ObjectiveKind::Diversity, acts.dims(), 0);
  Tensor seed(acts.dims());
  o.evaluate(acts, {0, 1}, 1, 2.0, seed);
  CHECK(o.diversity()[0] == doctest::Approx(-0.5));
  CHECK(o.diversity()[1] == doctest::Approx(-0.5));
  CHECK(o.values()[0] == doctest::Approx(1.0 - 2.0 * 0.5));  // a0[0] + w D0
  CHECK(o.values()[1] == doctest::Approx(1.0 - 2.0 * 0.5));  // a1[1] + w D1
  // J = a0[0] + a1[1] - 2 w cos; d cos / d a0 = (0, 1), d cos / d a1 = (1/2, -1/2).
  CHECK(seed.at(0) == doctest::Approx(1.0));
  CHECK(seed.at(1) == doctest::Approx(-4.0));
  CHECK(seed.at(2) == doctest::Approx(-2.0));
  CHECK(seed.at(3) == doctest::Approx(3.0));
}

TEST_CASE("objective: every seed matches finite differences of J") {
  const Tensor acts = test::random_tensor({3, 4, 2, 3}, 5, 0.1f, 1.0f);
  const std::vector<int64_t> units = {3, 0, 3};
  const std::vector<float> direction = {0.5f, -1.0f, 2.0f, 0.25f};
  for (int dir : {1, -1}) {
    CAPTURE(dir);
    CHECK(seed_fd_error(ObjectiveKind::Neuron, acts, units, 4, {}, dir, 0.0) < 1e-3);
    CHECK(seed_fd_error(ObjectiveKind::Channel, acts, units, 4, {}, dir, 0.0) < 1e-3);
    CHECK(seed_fd_error(ObjectiveKind::Direction, acts, units, 4, direction, dir, 0.0) < 1e-3);
    CHECK(seed_fd_error(ObjectiveKind::DirectionNeuron, acts, units, 4, direction, dir, 0.0) < 1e-3);
    CHECK(seed_fd_error(ObjectiveKind::Diversity, acts, units, 4, {}, dir, 3.0) < 1e-3);
  }
  // Signed activations (Gram entries of both signs) and an FC layer.
  const Tensor signed_acts = test::random_tensor({4, 3, 2, 2}, 8, -1.0f, 1.0f);
  CHECK(seed_fd_error(ObjectiveKind::Diversity, signed_acts, {0, 1, 2, 0}, 0, {}, 1, 10.0) < 1e-3);
  CHECK(seed_fd_error(ObjectiveKind::Diversity, test::random_tensor({3, 5}, 9), {0, 1, 4}, 0, {}, 1, 1.0) < 1e-3);
}

TEST_CASE("objective: diversity's D_k averages to minus the mean pairwise similarity, 0 weight leaves channel") {
  const Tensor acts = test::random_tensor({3, 2, 2, 2}, 6, 0.0f, 1.0f);
  Objective div(ObjectiveKind::Diversity, acts.dims(), 0);
  Objective channel(ObjectiveKind::Channel, acts.dims(), 0);
  Tensor seed_div(acts.dims()), seed_channel(acts.dims());
  div.evaluate(acts, {0, 1, 1}, 1, 0.0, seed_div);
  channel.evaluate(acts, {0, 1, 1}, 1, 0.0, seed_channel);
  CHECK(div.values() == channel.values());
  CHECK(test::max_abs_error(seed_div, seed_channel) == 0.0);
  // Independent oracle: cosine of the flattened Gram matrices, pair by pair.
  auto gram = [&](int64_t k) {
    std::vector<double> g(4, 0.0);
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 2; ++j) {
        for (int p = 0; p < 4; ++p) g[i * 2 + j] += acts.at((k * 2 + i) * 4 + p) * acts.at((k * 2 + j) * 4 + p);
      }
    }
    return g;
  };
  auto cosine = [](const std::vector<double>& a, const std::vector<double>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); ++i) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
    return ab / std::sqrt(aa * bb);
  };
  const double mean_cos = (cosine(gram(0), gram(1)) + cosine(gram(0), gram(2)) + cosine(gram(1), gram(2))) / 3.0;
  const auto& d = div.diversity();
  CHECK((d[0] + d[1] + d[2]) / 3.0 == doctest::Approx(-mean_cos));
  CHECK(d[0] == doctest::Approx(-(cosine(gram(0), gram(1)) + cosine(gram(0), gram(2))) / 2.0));
}
