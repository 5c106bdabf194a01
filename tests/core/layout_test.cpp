// Memory layouts: where an element lies in nChw8c / nChw16c (hand-computed offsets), conversions both ways, and
// the refusals (a channel count the group does not divide, reshaping blocked data).
#include "compute/core/layout.hpp"
#include "compute/core/error.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

using namespace deepvis;

TEST_CASE("layout: element offsets in plain, nChw8c and nChw16c, by hand") {
  const Dims d = {2, 32, 3, 4};                                                            // n=1, c=17, h=2, w=3
  CHECK(element_offset(d, Layout::Plain, 1, 17, 2, 3) == (1 * 32 + 17) * 12 + 2 * 4 + 3);  // 599
  // nChw16c: block (n * 2 + 1) of 16 channels, pixel 11 inside it, lane 1.
  CHECK(element_offset(d, Layout::Blocked16, 1, 17, 2, 3) == 753);
  // nChw8c: block (n * 4 + 2), pixel 11, lane 1.
  CHECK(element_offset(d, Layout::Blocked8, 1, 17, 2, 3) == 665);
  CHECK(element_offset(d, Layout::Blocked16, 0, 0, 0, 1) == 16);  // the next pixel is one group further
}

TEST_CASE("layout: conversions round-trip and put each element where the offsets say") {
  const Dims d = {2, 32, 3, 5};
  const Tensor plain = test::random_tensor(d, 11);
  Tensor b16 = Tensor(d).with_layout(Layout::Blocked16);
  Tensor b8 = Tensor(d).with_layout(Layout::Blocked8);
  Tensor back(d);
  convert_layout(plain, b16);
  convert_layout(b16, b8);
  convert_layout(b8, back);
  CHECK(test::max_abs_error(back, plain) == 0.0);
  for (int64_t c : {0, 7, 8, 15, 16, 31}) {
    CAPTURE(c);
    const float want = plain.at(element_offset(d, Layout::Plain, 1, c, 2, 4));
    CHECK(b16.at(element_offset(d, Layout::Blocked16, 1, c, 2, 4)) == want);
    CHECK(b8.at(element_offset(d, Layout::Blocked8, 1, c, 2, 4)) == want);
  }
  CHECK(b16.at(1) == plain.at(15));  // lane 1 of pixel 0 is channel 1, which plain keeps one plane (15) on
  Tensor wrong(Dims{2, 32, 5, 3});
  CHECK_THROWS_AS(convert_layout(plain, wrong), Error);
}

TEST_CASE("layout: blocking needs 4-D with the channels a multiple of the group, and blocked data cannot reshape") {
  CHECK_THROWS_AS(Tensor({1, 6, 4, 4}).with_layout(Layout::Blocked8), Error);
  CHECK_THROWS_AS(Tensor({16, 16}).with_layout(Layout::Blocked16), Error);
  CHECK_NOTHROW(Tensor({1, 24, 4, 4}).with_layout(Layout::Blocked8));
  const Tensor blocked = Tensor({1, 16, 2, 2}).with_layout(Layout::Blocked16);
  CHECK_THROWS_AS(blocked.reshaped({1, 64}), Error);
  CHECK(blocked.clone().layout() == Layout::Blocked16);
}
