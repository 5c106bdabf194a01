// The optimizer's random transforms: each one against hand-built expectations, the composite's adjoint by the
// dot-product test <T x, y> = <x, T^T y>, and the draws (seeded, within their ranges).
#include "compute/vis/transform.hpp"

#include "compute/core/error.hpp"
#include "compute/vis/ascent_params.hpp"
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

namespace {

vis::StepDraw shift(vis::TransformKind kind, int dy, int dx) {
  return {kind, dy, dx, 0.0};
}
vis::StepDraw resample(vis::TransformKind kind, double value) {
  return {kind, 0, 0, value};
}

// The oracle for a list: each entry as a transform of its own, applied one after another.
Tensor apply_one_by_one(const std::vector<vis::StepDraw>& draws, const Tensor& x) {
  Tensor cur = x.clone();
  for (const vis::StepDraw& d : draws) {
    ImageTransform one(x.dim(1), x.dim(2));
    one.set(std::vector<vis::StepDraw>{d});
    cur = apply(one, cur);
  }
  return cur;
}

}  // namespace

TEST_CASE("transform list: any order equals its entries applied one by one, and its adjoint is exact") {
  using K = vis::TransformKind;
  const std::vector<vis::StepDraw> draws = {resample(K::Rotate, 20.0), shift(K::Jitter, 1, -2),
                                            resample(K::Scale, 1.2),   shift(K::Pad, -1, 2),
                                            resample(K::Rotate, -7.0), shift(K::Jitter, -3, 1)};
  ImageTransform t(9, 11);
  t.set(draws);
  CHECK(t.stages() == 4);  // [rotate] [jitter scale] [pad rotate] [jitter]
  const Tensor x = test::random_tensor({3, 9, 11}, 5);
  CHECK(test::max_abs_error(apply(t, x), apply_one_by_one(draws, x)) < 1e-5);
  const Tensor y = test::random_tensor({3, 9, 11}, 6);
  Tensor tx(x.dims()), ty(y.dims());
  t.apply(x.data(), tx.data(), 3);
  t.adjoint(y.data(), ty.data(), 3);
  const double lhs = dot(tx, y), rhs = dot(x, ty);
  CHECK(std::abs(lhs - rhs) <= 1e-5 * (std::abs(lhs) + 1.0));
  CHECK(std::abs(lhs) > 1e-3);

  // The order matters: the same entries reversed are another transform.
  ImageTransform reversed(9, 11);
  reversed.set(std::vector<vis::StepDraw>(draws.rbegin(), draws.rend()));
  CHECK(test::max_abs_error(apply(reversed, x), apply(t, x)) > 0.1);
}

TEST_CASE("transform list: the flags' list is the flags' transform, draw for draw and bit for bit") {
  vis::TransformParams p;
  p.jitter = 3;
  p.scale_min = 0.9;
  p.scale_max = 1.2;
  p.rotate_deg = 15.0;
  const vis::TransformList list = p.transform_list();
  REQUIRE(list.size() == 3);  // pad 0 is left out
  CHECK(vis::describe(list) == "jitter 3, scale [0.9, 1.2], rotate 15");
  std::mt19937 a(7), b(7);
  ImageTransform by_list(8, 10), by_flags(8, 10);
  const Tensor x = test::random_tensor({2, 8, 10}, 9);
  for (int n = 0; n < 20; ++n) {
    const std::vector<vis::StepDraw> d = vis::draw_transforms(list, a);
    const TransformDraw f = vis::draw_transform({3, 0, 0.9, 1.2, 15.0}, b);
    CHECK(d[0].dy == f.jitter_y);
    CHECK(d[0].dx == f.jitter_x);
    CHECK(d[1].value == f.scale);
    CHECK(d[2].value == f.angle_deg);
    by_list.set(d);
    by_flags.set(f);
    CHECK(by_list.stages() == 1);
    CHECK(test::max_abs_error(apply(by_list, x), apply(by_flags, x)) == 0.0);
  }
  vis::AscentParams q;
  q.push_units = {0};
  q.jitter = 3;
  CHECK(vis::validate(q).empty());
  q.transforms = {vis::TransformStep::pad(2)};
  CHECK(vis::validate(q).find("not both") != std::string::npos);
  q.jitter = 0;
  CHECK(vis::validate(q).empty());
  CHECK(q.transforms_on());
}

TEST_CASE("transform list: parse reads each kind and names the bad entry") {
  const vis::TransformList l = vis::parse_transform_list("pad:12,jitter:8,scale:0.9:1.1,scale:1.5,rotate:10");
  REQUIRE(l.size() == 5);
  CHECK(l[0].kind == vis::TransformKind::Pad);
  CHECK(l[0].pixels == 12);
  CHECK(l[2].lo == 0.9);
  CHECK(l[2].hi == 1.1);
  CHECK(l[3].lo == 1.5);
  CHECK(l[3].hi == 1.5);
  CHECK(l[4].hi == 10.0);
  CHECK_THROWS_WITH_AS(vis::parse_transform_list("jitter:x"), doctest::Contains("'x' is not a number"), Error);
  CHECK_THROWS_WITH_AS(vis::parse_transform_list("pad:-1"), doctest::Contains("transform 1 (pad)"), Error);
  CHECK_THROWS_WITH_AS(vis::parse_transform_list("rotate"), doctest::Contains("expected jitter:N"), Error);
}
