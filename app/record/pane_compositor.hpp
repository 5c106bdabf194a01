#pragma once
// The frames `deepvis record` writes: the chosen panes of an engine snapshot (the input, the activation grid, the
// selected unit, the backward view) side by side at one height, drawn through GL into an offscreen framebuffer.
// Each pane keeps its image's aspect ratio; nearest filtering keeps tiles and single units crisp when enlarged.
#include "app/engine/engine_snapshot.hpp"
#include "render/egl_context.hpp"
#include "render/pbo_uploader.hpp"
#include "render/textured_quad.hpp"

#include <opencv2/core/types.hpp>

#include <memory>
#include <string>
#include <vector>

namespace deepvis::app {

enum class RecordPane { Input, Grid, Unit, Backward };

// "input", "grid", "unit", "backward".
const char* record_pane_name(RecordPane pane);
// A comma-separated list of pane names, in drawing order; throws deepvis::Error on an unknown or repeated name.
std::vector<RecordPane> parse_record_panes(const std::string& list);

// The pane's image in a snapshot as 8-bit BGR (the input converted from RGB); empty when the snapshot has none.
cv::Mat record_pane_image(const EngineSnapshot& snapshot, RecordPane pane);

struct PaneLayout {
  std::vector<cv::Rect> boxes;  // one per pane, top-left origin
  cv::Size size;                // of the whole frame: even, as H.264 wants
};

// Boxes `pane_height` tall, each as wide as its image at that height, `gap` pixels apart.
PaneLayout layout_panes(const std::vector<cv::Size>& image_sizes, int pane_height, int gap);

// The largest rectangle of `image`'s aspect ratio inside `box`, centred (letterboxing later frames of another
// shape, e.g. a folder of images of different sizes).
cv::Rect fit_inside(cv::Size image, const cv::Rect& box);

// Draws panes of snapshots into its framebuffer. Needs a current GL context, which must outlive it.
class PaneCompositor {
 public:
  PaneCompositor(std::vector<RecordPane> panes, PaneLayout layout);

  // Draws the snapshot's panes (a pane the snapshot lacks stays background) and leaves the framebuffer bound for
  // reading. Throws deepvis::Error on a GL failure.
  void draw(const EngineSnapshot& snapshot);

  const PaneLayout& layout() const { return layout_; }

 private:
  std::vector<RecordPane> panes_;
  PaneLayout layout_;
  render::OffscreenFramebuffer target_;
  std::vector<std::unique_ptr<render::PboUploader>> uploaders_;  // one per pane: its own texture and PBOs
  render::TexturedQuad quad_;
};

}  // namespace deepvis::app
