// The status bar's per-stage line (app/panels/stage_times_text.hpp).
#include "app/panels/stage_times_text.hpp"

#include <doctest/doctest.h>

using deepvis::app::stage_times_text;
using deepvis::app::StageTimes;

TEST_CASE("status bar: the stages read in a frame's order, from capture to screen, with sub-ms precision") {
  StageTimes t;
  t.capture = 4.14;
  t.preprocess = 2.0;
  t.forward = 12.34;
  t.backward = 9.87;
  t.grid = 0.414;
  t.total = 99.0;  // the engine's sum is the tooltip's, not the line's
  CHECK(stage_times_text(t, 0.333, 1.25) == "cap 4.1  pre 2.0  fwd 12.3  bwd 9.9  grid 0.41 | tex 0.33  draw 1.2 ms");
  CHECK(stage_times_text(StageTimes{}, 0.0, 0.0) ==
        "cap 0.00  pre 0.00  fwd 0.00  bwd 0.00  grid 0.00 | tex 0.00  draw 0.00 ms");
}
