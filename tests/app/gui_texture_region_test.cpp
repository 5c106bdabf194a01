// Where the grid and the selected unit lie in the texture they are drawn from (app/gui/gui_textures.hpp): the
// whole texture on the host path, parts of one larger texture on the GPU path.
#include "app/gui/gui_textures.hpp"

#include "compute/vis/activation_grid.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

using deepvis::GridOptions;
using deepvis::make_grid_layout;
using deepvis::app::texture_region;
using deepvis::app::TextureRegion;

TEST_CASE("gui textures: the atlas and a unit's tile as regions of a larger texture") {
  // 10 channels of 3 x 4 (h x w): 4 columns, 3 rows, 1 px gaps -> a 19 x 11 atlas, in a 40 x 20 texture.
  const deepvis::GridLayout layout = make_grid_layout(10, 3, 4, GridOptions{});
  REQUIRE(layout.width == 19);
  REQUIRE(layout.height == 11);
  const TextureRegion grid = texture_region(cv::Rect(0, 0, layout.width, layout.height), 40, 20);
  CHECK(grid.u0 == 0.0f);
  CHECK(grid.v0 == 0.0f);
  CHECK(grid.u1 == doctest::Approx(19.0 / 40.0));
  CHECK(grid.v1 == doctest::Approx(11.0 / 20.0));
  // Unit 6: row 1, column 2 -> pixels x 10..14, y 4..7.
  const TextureRegion unit = texture_region(layout.tile(6), 40, 20);
  CHECK(unit.u0 == doctest::Approx(10.0 / 40.0));
  CHECK(unit.v0 == doctest::Approx(4.0 / 20.0));
  CHECK(unit.u1 == doctest::Approx(14.0 / 40.0));
  CHECK(unit.v1 == doctest::Approx(7.0 / 20.0));
  // The host path's own textures: the whole of each.
  const TextureRegion whole = texture_region(cv::Rect(0, 0, 19, 11), 19, 11);
  CHECK(whole.u1 == 1.0f);
  CHECK(whole.v1 == 1.0f);
  // No texture yet: the default region, never a division by zero.
  CHECK(texture_region(cv::Rect(0, 0, 5, 5), 0, 0).u1 == 1.0f);
}

TEST_CASE("gui textures: DEEPVIS_GRID_TEXTURE=host turns the GPU grid path off, saying so") {
  ::setenv("DEEPVIS_GRID_TEXTURE", "host", 1);
  const std::string why = deepvis::app::GuiTextures::device_grid_problem();
  ::unsetenv("DEEPVIS_GRID_TEXTURE");
  CHECK(why == "DEEPVIS_GRID_TEXTURE=host");
}
