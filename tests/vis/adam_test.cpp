// Adam's first steps against values computed by hand (beta1 0.9, beta2 0.999, lr 0.1, eps 1e-8).
#include "compute/vis/adam.hpp"

#include <doctest/doctest.h>

using deepvis::vis::Adam;

TEST_CASE("adam: the first two steps, bias-corrected, by hand") {
  Adam adam(3);
  const float g1[3] = {1.0f, -2.0f, 0.5f};
  const float g2[3] = {0.5f, 1.0f, 0.0f};
  float delta[3];
  // Step 1: m_hat = g, v_hat = g^2, so delta = lr * g / (|g| + eps).
  adam.step(g1, delta, 0, 3, 1, 0.1, 0.9, 0.999, 1e-8);
  CHECK(delta[0] == doctest::Approx(0.099999999));
  CHECK(delta[1] == doctest::Approx(-0.0999999995));
  CHECK(delta[2] == doctest::Approx(0.099999998));
  CHECK(adam.m()[1] == doctest::Approx(-0.2));
  CHECK(adam.v()[1] == doctest::Approx(0.004));
  // Step 2: m = (0.14, -0.08, 0.045), v = (0.001249, 0.004996, 0.00024975); corrections 0.19 and 0.001999.
  adam.step(g2, delta, 0, 3, 2, 0.1, 0.9, 0.999, 1e-8);
  CHECK(delta[0] == doctest::Approx(0.0932179627).epsilon(1e-6));
  CHECK(delta[1] == doctest::Approx(-0.0266337038).epsilon(1e-6));
  CHECK(delta[2] == doctest::Approx(0.0670058235).epsilon(1e-6));
}

TEST_CASE("adam: slices keep separate state, and eps bounds the step of a zero gradient") {
  Adam adam(4);
  const float g[2] = {3.0f, 0.0f};
  float delta[2];
  adam.step(g, delta, 2, 2, 1, 0.5, 0.9, 0.999, 1e-8);
  CHECK(delta[0] == doctest::Approx(0.5));
  CHECK(delta[1] == 0.0f);
  CHECK(adam.m()[0] == 0.0f);  // the other slice is untouched
  CHECK(adam.m()[2] == doctest::Approx(0.3));
  // A gradient that flips sign: the first moment shrinks the step (m = 0.27 - 0.3 = -0.03 at t 2).
  const float flipped[2] = {-3.0f, 0.0f};
  adam.step(flipped, delta, 2, 2, 2, 0.5, 0.9, 0.999, 1e-8);
  // m_hat = -0.03 / 0.19, v = 0.999 * 0.009 + 0.009 = 0.017991, v_hat = 0.017991 / 0.001999 = 9.0
  CHECK(delta[0] == doctest::Approx(0.5 * (-0.03 / 0.19) / 3.0).epsilon(1e-5));
}
