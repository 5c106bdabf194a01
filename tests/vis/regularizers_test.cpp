// The regularizers against NumPy and SciPy themselves (Debian's python3-numpy and python3-scipy): the original
// toolbox used scipy.ndimage.gaussian_filter and numpy.percentile, so they are the oracle.
#include "compute/vis/regularizers.hpp"
#include "compute/io/npy.hpp"
#include "tests/support/op_check.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

using namespace deepvis;

namespace {

// Runs a Python snippet with numpy as np, scipy.ndimage as nd, and the file paths `inp` and `out`.
Tensor python_oracle(const test::TempDir& dir, const Tensor& input, const std::string& body) {
  write_npy(dir.path("in.npy"), input);
  const std::string script =
      "import numpy as np, scipy.ndimage as nd\n"
      "inp = np.load('" +
      dir.path("in.npy") + "')\n" + body + "\nnp.save('" + dir.path("out.npy") +
      "', np.asarray(out, dtype=np.float32))\n";
  std::ofstream(dir.path("oracle.py")) << script;
  const auto r = test::run_process({"/usr/bin/python3", dir.path("oracle.py")});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  return read_npy(dir.path("out.npy"));
}

Tensor integer_ties(Dims dims, uint32_t seed) {
  // Few distinct values, so thresholds land on ties.
  Tensor t = test::random_tensor(std::move(dims), seed, -4.0f, 4.0f);
  for (int64_t i = 0; i < t.numel(); ++i) t.at(i) = std::round(t.at(i));
  return t;
}

}  // namespace

TEST_CASE("regularizers: the blur equals scipy.ndimage.gaussian_filter per channel (mode reflect)") {
  test::TempDir dir;
  for (double sigma : {0.5, 1.0, 2.3}) {
    for (const Dims& dims : {Dims{3, 17, 13}, Dims{3, 3, 4}, Dims{1, 1, 6}}) {  // kernels wider than the image too
      Tensor x = test::random_tensor(dims, 5, -50.0f, 50.0f);
      const Tensor expected = python_oracle(
          dir, x,
          "out = np.stack([nd.gaussian_filter(c, " + std::to_string(sigma) + ", mode='reflect') for c in inp])");
      vis::Regularizers r;
      r.configure(dims[0], dims[1], dims[2]);
      r.gaussian_blur(x.data(), sigma);
      CHECK_MESSAGE(test::max_abs_error(x, expected) <= 1e-4, "sigma " << sigma << " dims " << to_string(dims));
    }
  }
}

TEST_CASE("regularizers: the kernel is scipy's: radius int(4 sigma + 0.5), normalized") {
  const auto k = vis::scipy_gaussian_kernel(1.0);
  CHECK(k.size() == 9);
  double sum = 0;
  for (double v : k) sum += v;
  CHECK(sum == doctest::Approx(1.0));
  CHECK(k[4] / k[5] == doctest::Approx(std::exp(0.5)));
  CHECK(vis::scipy_gaussian_kernel(0.5).size() == 5);  // int(2.5) = 2
}

TEST_CASE("regularizers: percentile equals numpy.percentile, ties included") {
  test::TempDir dir;
  const Tensor values = integer_ties({257}, 3);
  const Tensor expected =
      python_oracle(dir, values, "out = [np.percentile(inp, q) for q in (0, 10, 20, 33.3, 50, 90, 99.9)]");
  const double qs[] = {0, 10, 20, 33.3, 50, 90, 99.9};
  for (int i = 0; i < 7; ++i) {
    Tensor copy = values.clone();
    CHECK(vis::percentile_linear(copy.data(), copy.numel(), qs[i]) == doctest::Approx(expected.at(i)).epsilon(1e-6));
  }
}

TEST_CASE("regularizers: the three clips zero exactly the pixels the original's formulas zero") {
  test::TempDir dir;
  const Dims dims = {3, 9, 11};
  const Tensor x = integer_ties(dims, 7);
  const Tensor g = test::random_tensor(dims, 8, -2.0f, 2.0f);
  vis::Regularizers r;
  r.configure(3, 9, 11);

  SUBCASE("small values") {
    Tensor got = x.clone();
    r.clip_small_values(got.data(), 40);
    const Tensor want =
        python_oracle(dir, x, "out = inp.copy(); out[np.abs(inp) < np.percentile(np.abs(inp), 40)] = 0");
    CHECK(test::max_abs_error(got, want) == 0.0);
  }
  SUBCASE("small norm") {
    Tensor got = x.clone();
    r.clip_small_norm(got.data(), 50);
    const Tensor want = python_oracle(
        dir, x, "n = np.linalg.norm(inp, axis=0); out = inp.copy(); out[:, n < np.percentile(n, 50)] = 0");
    CHECK(test::max_abs_error(got, want) == 0.0);
  }
  SUBCASE("contribution, signed and absolute") {
    write_npy(dir.path("g.npy"), g);
    for (bool absolute : {false, true}) {
      Tensor got = x.clone();
      r.clip_small_benefit(got.data(), g.data(), 90, absolute);
      const std::string b = absolute ? "np.abs((g * -inp).sum(0))" : "(g * -inp).sum(0)";
      const Tensor want = python_oracle(dir, x,
                                        "g = np.load('" + dir.path("g.npy") + "')\nb = " + b +
                                            "\nout = inp.copy(); out[:, b < np.percentile(b, 90)] = 0");
      CHECK_MESSAGE(test::max_abs_error(got, want) == 0.0, "absolute " << absolute);
    }
  }
}
