// The optimizer's random transforms: each one against hand-built expectations, the composite's adjoint by the
// dot-product test <T x, y> = <x, T^T y>, and the draws (seeded, within their ranges).
#include "compute/vis/transform.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace deepvis;
using vis::ImageTransform;
using vis::TransformDraw;

namespace {

Tensor apply(const ImageTransform& t, const Tensor& x) {
  Tensor out(x.dims());
  t.apply(x.data(), out.data(), x.dim(0));
  return out;
}

double dot(const Tensor& a, const Tensor& b) {
  double s = 0.0;
  for (int64_t i = 0; i < a.numel(); ++i) s += static_cast<double>(a.at(i)) * b.at(i);
  return s;
}

// An image whose every pixel is distinct: x(c, i, j) = 100 c + 10 i + j.
Tensor labelled(int64_t c, int64_t h, int64_t w) {
  Tensor x({c, h, w});
  for (int64_t k = 0; k < c; ++k) {
    for (int64_t i = 0; i < h; ++i) {
      for (int64_t j = 0; j < w; ++j) x.at((k * h + i) * w + j) = static_cast<float>(100 * k + 10 * i + j);
    }
  }
  return x;
}

}  // namespace

TEST_CASE("transform: jitter is a circular shift") {
  ImageTransform t(3, 4);
  TransformDraw d;
  d.jitter_y = 1;
  d.jitter_x = -2;
  t.set(d);
  const Tensor x = labelled(2, 3, 4);
  const Tensor out = apply(t, x);
  for (int64_t c = 0; c < 2; ++c) {
    for (int64_t i = 0; i < 3; ++i) {
      for (int64_t j = 0; j < 4; ++j) {
        CHECK(out.at((c * 3 + i) * 4 + j) == 100 * c + 10 * ((i + 2) % 3) + (j + 2) % 4);
      }
    }
  }
}

TEST_CASE("transform: pad shifts the image and fills the uncovered border with the constant 0") {
  ImageTransform t(3, 4);
  TransformDraw d;
  d.pad_y = 1;
  d.pad_x = -1;
  t.set(d);
  const Tensor out = apply(t, labelled(1, 3, 4));
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 4; ++j) {
      const bool border = i == 0 || j == 3;
      CHECK(out.at(i * 4 + j) == (border ? 0.0f : static_cast<float>(10 * (i - 1) + (j + 1))));
    }
  }
}

TEST_CASE("transform: a 90 degree rotation moves every pixel exactly, counterclockwise on screen") {
  ImageTransform t(5, 5);
  TransformDraw d;
  d.angle_deg = 90.0;
  t.set(d);
  const Tensor out = apply(t, labelled(1, 5, 5));
  // The source's row below the centre (row 3) appears as the column right of the centre: out(i, j) = x(j, 4 - i).
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 5; ++j) CHECK(out.at(i * 5 + j) == doctest::Approx(10 * j + (4 - i)).epsilon(1e-5));
  }
}

TEST_CASE("transform: zoom by 2 about the centre interpolates bilinearly, outside reads the constant") {
  ImageTransform t(4, 6);
  TransformDraw d;
  d.scale = 2.0;
  t.set(d);
  Tensor ramp({1, 4, 6});
  for (int64_t i = 0; i < 4; ++i) {
    for (int64_t j = 0; j < 6; ++j) ramp.at(i * 6 + j) = static_cast<float>(3 * i + j);  // linear: bilinear is exact
  }
  const Tensor out = apply(t, ramp);
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 6; ++j) {
      const double u = 1.5 + (i - 1.5) / 2.0, v = 2.5 + (j - 2.5) / 2.0;
      CHECK(out.at(i * 6 + j) == doctest::Approx(3 * u + v).epsilon(1e-5));
    }
  }
  d.scale = 0.5;  // zoom out: the corners sample outside the image
  t.set(d);
  const Tensor shrunk = apply(t, ramp);
  CHECK(shrunk.at(0) == 0.0f);  // source (-1.5, -2.5): every tap outside
  // The centre pixels still see the image: source (1.5 + (1 - 1.5) * 2, 2.5 + (2 - 2.5) * 2) = (0.5, 1.5).
  CHECK(shrunk.at(1 * 6 + 2) == doctest::Approx(3 * 0.5 + 1.5));
}

TEST_CASE("transform: the adjoint passes the dot-product test for every transform and their composite") {
  std::vector<TransformDraw> draws(6);
  draws[0].jitter_y = 2, draws[0].jitter_x = -3;
  draws[1].pad_y = -2, draws[1].pad_x = 1;
  draws[2].scale = 1.17;
  draws[3].angle_deg = -13.0;
  draws[4] = {1, 2, -1, 3, 0.83, 7.5};
  draws[5] = {-3, 0, 2, 0, 1.3, -31.0};
  ImageTransform t(9, 11);
  for (size_t n = 0; n < draws.size(); ++n) {
    CAPTURE(n);
    t.set(draws[n]);
    const Tensor x = test::random_tensor({3, 9, 11}, static_cast<uint32_t>(10 + n));
    const Tensor y = test::random_tensor({3, 9, 11}, static_cast<uint32_t>(20 + n));
    Tensor tx(x.dims()), ty(y.dims());
    t.apply(x.data(), tx.data(), 3);
    t.adjoint(y.data(), ty.data(), 3);
    const double lhs = dot(tx, y), rhs = dot(x, ty);
    CHECK(std::abs(lhs - rhs) <= 1e-5 * (std::abs(lhs) + 1.0));
    CHECK(std::abs(lhs) > 1e-3);  // not a vacuous 0 = 0
  }
}

TEST_CASE("transform: the identity draw changes nothing, and draws are seeded and within their ranges") {
  ImageTransform t(4, 5);
  const Tensor x = test::random_tensor({2, 4, 5}, 3);
  CHECK(test::max_abs_error(apply(t, x), x) == 0.0);

  const vis::TransformRanges ranges{3, 2, 0.9, 1.2, 15.0};
  std::mt19937 a(42), b(42);
  bool any_nonzero = false;
  for (int n = 0; n < 200; ++n) {
    const TransformDraw da = vis::draw_transform(ranges, a), db = vis::draw_transform(ranges, b);
    CHECK(da.jitter_y == db.jitter_y);
    CHECK(da.angle_deg == db.angle_deg);
    CHECK(std::abs(da.jitter_y) <= 3);
    CHECK(std::abs(da.jitter_x) <= 3);
    CHECK(std::abs(da.pad_y) <= 2);
    CHECK(std::abs(da.pad_x) <= 2);
    CHECK(da.scale >= 0.9);
    CHECK(da.scale <= 1.2);
    CHECK(std::abs(da.angle_deg) <= 15.0);
    any_nonzero = any_nonzero || (da.jitter_x != 0 && da.pad_y != 0);
  }
  CHECK(any_nonzero);
  std::mt19937 c(1);
  const TransformDraw off = vis::draw_transform(vis::TransformRanges{}, c);
  CHECK(off.jitter_y == 0);
  CHECK(off.pad_x == 0);
  CHECK(off.scale == 1.0);
  CHECK(off.angle_deg == 0.0);
}
