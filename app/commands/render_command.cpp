// `deepvis render`: one layer's activation grid as a PNG, drawn through the headless GL path (EGL context, PBO
// upload, textured quad into an offscreen framebuffer, read back), or straight from the CPU atlas with --no-gl.
#include "app/commands/commands.hpp"
#include "app/commands/model_flags.hpp"
#include "app/commands/output_check.hpp"
#include "app/session/default_layer.hpp"
#include "compute/vis/activation_grid.hpp"
#include "compute/vis/colormap.hpp"
#include "render/egl_context.hpp"
#include "render/framebuffer_capture.hpp"
#include "render/pbo_uploader.hpp"
#include "render/textured_quad.hpp"

#include <epoxy/gl.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <cstdio>
#include <memory>
#include <sstream>

namespace deepvis::app {

namespace {

struct RenderFlags {
  ModelFlags model;
  std::string input;
  std::string layer;
  std::string out;
  std::string norm;  // empty: fixed when --range is given, else layer
  std::string range;
  std::string colormap = "gray";
  int batch_index = 0;
  int gap = 1;
  int unit_tile = 8;
  bool no_gl = false;
};

GridOptions grid_options(const RenderFlags& f) {
  GridOptions o;
  o.gap = f.gap;
  o.unit_tile = f.unit_tile;
  const std::string norm = f.norm.empty() ? (f.range.empty() ? "layer" : "fixed") : f.norm;
  try {
    o.norm = parse_grid_norm(norm);
  } catch (const Error& e) {
    throw CommandError(kExitUsage, e.what());
  }
  if (o.norm == GridNorm::Fixed) {
    if (f.range.empty()) throw CommandError(kExitUsage, "--norm fixed needs --range lo,hi");
    std::istringstream ss(f.range);
    char comma = 0;
    std::string rest;
    if (!(ss >> o.fixed_lo >> comma >> o.fixed_hi) || comma != ',' || (ss >> rest)) {
      throw CommandError(kExitUsage, "--range must be lo,hi (two numbers), got '" + f.range + "'");
    }
  } else if (!f.range.empty()) {
    throw CommandError(kExitUsage, "--range only goes with --norm fixed");
  }
  try {
    validate(o);
  } catch (const Error& e) {
    throw CommandError(kExitUsage, e.what());
  }
  return o;
}

// Draws the image 1:1 into an offscreen framebuffer of its size and reads it back (BGR, top-down).
cv::Mat draw_with_gl(const cv::Mat& image, std::string& renderer) {
  render::EglContext context;
  renderer = context.description();
  render::OffscreenFramebuffer target(image.cols, image.rows);
  render::PboUploader uploader;
  uploader.upload(image);
  render::TexturedQuad quad;
  target.bind();
  glClearColor(1.0f, 0.0f, 1.0f, 1.0f);  // magenta: any pixel the quad missed would show
  glClear(GL_COLOR_BUFFER_BIT);
  quad.draw(uploader.texture());
  cv::Mat bgr = render::read_framebuffer_bgr(image.cols, image.rows);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  render::check_gl("reading the grid back");
  return bgr;
}

// What was drawn: the grid's layout and range, as JSON with --json, else one line.
void print_render_report(const RenderFlags& f, const std::string& layer, const Dims& shape, const ActivationGrid& grid,
                         Colormap colormap, const std::string& renderer) {
  const GridOptions& options = grid.options();
  const GridLayout& l = grid.layout();
  const GridRange range = grid.ranges().front();
  if (f.model.json) {
    nlohmann::json j{{"out", f.out},
                     {"layer", layer},
                     {"shape", shape},
                     {"channels", l.channels},
                     {"rows", l.rows},
                     {"cols", l.cols},
                     {"tile", {l.tile_width, l.tile_height}},
                     {"gap", l.gap},
                     {"size", {l.width, l.height}},
                     {"norm", grid_norm_name(options.norm)},
                     {"colormap", colormap_name(colormap)},
                     {"renderer", renderer}};
    if (options.norm != GridNorm::PerTile) j["range"] = {range.lo, range.hi};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("wrote %s: %d channels of %dx%d in %d x %d tiles, %dx%d px, %s range", f.out.c_str(), l.channels,
                l.map_height, l.map_width, l.rows, l.cols, l.width, l.height, grid_norm_name(options.norm));
    if (options.norm != GridNorm::PerTile)
      std::printf(" %g..%g", static_cast<double>(range.lo), static_cast<double>(range.hi));
    std::printf(", %s; drawn by %s\n", colormap_name(colormap), renderer.c_str());
  }
}

int run_render(const RenderFlags& f) {
  require_writable_folder(f.out, "--out");
  const GridOptions options = grid_options(f);
  Colormap colormap = Colormap::Gray;
  try {
    colormap = parse_colormap(f.colormap);
  } catch (const Error& e) {
    throw CommandError(kExitUsage, e.what());
  }

  LoadedModel session = load_net(f.model);
  std::unique_ptr<Net>& net = session.net;
  int blob = -1;
  const std::string layer = f.layer.empty() ? default_layer(*net, session.card) : f.layer;
  try {
    blob = net->blob_id(layer);
  } catch (const Error& e) {
    throw CommandError(kExitUsage, e.what());
  }
  const Tensor input = load_input(f.input, f.model, session);
  if (f.batch_index < 0 || f.batch_index >= input.dim(0)) {
    throw CommandError(kExitUsage, "--batch-index " + std::to_string(f.batch_index) + " out of range: the input has " +
                                       std::to_string(input.dim(0)) + " element(s)");
  }
  if (input.dim(0) != net->batch()) net->set_batch(static_cast<int>(input.dim(0)));
  net->forward(input, blob);

  ActivationGrid grid(options);
  try {
    grid.build(net->blob(blob), f.batch_index);
  } catch (const Error& e) {
    throw CommandError(kExitUsage, "layer '" + layer + "': " + e.what());
  }
  const bool gray = colormap == Colormap::Gray;
  const cv::Mat& image = gray ? grid.atlas() : grid.colorize(colormap);

  std::string renderer = "none (--no-gl)";
  cv::Mat written = image;
  if (!f.no_gl) {
    cv::Mat bgr = draw_with_gl(image, renderer);
    if (gray) {
      cv::extractChannel(bgr, written, 0);  // the three channels are equal; keep the PNG single-channel
    } else {
      written = bgr;
    }
  }
  render::write_image(f.out, written);

  print_render_report(f, layer, net->blob_dims(blob), grid, colormap, renderer);
  return kExitOk;
}

}  // namespace

Subcommand add_render_command(CLI::App& parent) {
  auto flags = std::make_shared<RenderFlags>();
  CLI::App* parser = parent.add_subcommand(
      "render", "Draw one layer's activations as a grid of tiles into a PNG (headless OpenGL, or --no-gl)");
  add_model_flags(*parser, flags->model);
  parser->add_option("--input", flags->input, "Image file, or a preprocessed .npy (float32, NxCxHxW)")->required();
  parser->add_option("--layer", flags->layer,
                     "Layer (blob or node name; default: the model card's, else the first convolution)");
  parser->add_option("--out", flags->out, "The PNG to write")->required();
  parser
      ->add_option("--norm", flags->norm,
                   "Tile normalization: layer (one range for all tiles; default), tile (each its own), fixed "
                   "(--range; the default when --range is given)")
      ->check(CLI::IsMember({"layer", "tile", "fixed"}));
  parser->add_option("--range", flags->range, "lo,hi for --norm fixed: (v - lo) / (hi - lo), clamped to 0..1");
  parser->add_option("--colormap", flags->colormap, "gray, viridis or jet")
      ->check(CLI::IsMember({"gray", "viridis", "jet"}));
  parser->add_option("--batch-index", flags->batch_index, "Which element of the input batch to show");
  parser->add_option("--gap", flags->gap, "Pixels between tiles")->check(CLI::NonNegativeNumber);
  parser->add_option("--unit-tile", flags->unit_tile, "Tile side in pixels for fully connected units")
      ->check(CLI::PositiveNumber);
  parser->add_flag("--no-gl", flags->no_gl, "Write the CPU atlas directly, without OpenGL (machines without EGL)");
  return {parser, [flags] { return run_guarded("render", [&] { return run_render(*flags); }); }};
}

}  // namespace deepvis::app
