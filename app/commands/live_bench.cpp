#include "app/commands/live_bench.hpp"

#include "app/build_commit.hpp"
#include "app/capture/frame_source.hpp"
#include "app/commands/model_flags.hpp"
#include "app/engine/engine_core.hpp"
#include "app/gui/gui_textures.hpp"
#include "render/egl_context.hpp"

#include <epoxy/gl.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

namespace deepvis::app {

namespace {

using Clock = std::chrono::steady_clock;

struct StageStats {
  const char* name;
  std::vector<double> ms;

  double mean() const {
    return ms.empty() ? 0.0 : std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
  }
  double median() const {
    if (ms.empty()) return 0.0;
    std::vector<double> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    const size_t n = sorted.size();
    return n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  }
  double max() const { return ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()); }
};

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// The window's texture stage without a window: a headless EGL context and the GUI's own GuiTextures, on the GPU
// path where the window would take it (GL on NVIDIA's driver, a model on CUDA). Absent, with the reason, when no
// EGL context can be made.
struct TextureStage {
  std::unique_ptr<render::EglContext> egl;
  std::unique_ptr<GuiTextures> textures;
  std::string problem;  // why there is no texture stage
  bool device_grid = false;
};

TextureStage make_texture_stage() {
  TextureStage t;
  try {
    t.egl = std::make_unique<render::EglContext>();
  } catch (const std::exception& e) {
    t.problem = std::string("no texture stage: no headless EGL context (") + e.what() + ")";
    return t;
  }
  t.textures = std::make_unique<GuiTextures>();
  t.device_grid = GuiTextures::device_grid_problem().empty();
  return t;
}

// The engine as the bench runs it: the model, the layer asked for, the backward view.
void configure_engine(EngineCore& core, const LiveBenchOptions& o) {
  core.set_echo_errors(false);  // a failure ends the bench with its message
  core.apply(LoadModel{o.model.model});
  if (!core.model()) throw CommandError(kExitBadModel, core.process(Frame{})->error);
  if (!o.layer.empty()) {
    core.apply(SelectLayer{o.layer});
    // An unknown layer is the engine's error of the moment (it keeps its previous selection).
    const std::shared_ptr<const EngineSnapshot> check = core.process(Frame{});
    if (check->error_count > 0) throw CommandError(kExitUsage, check->error);
  }
  try {
    core.apply(SetBackward{parse_backward_view(o.backward)});
  } catch (const Error& e) {
    throw CommandError(kExitUsage, e.what());
  }
}

// Every timed frame's stages.
struct LiveStats {
  StageStats capture{"capture", {}}, preprocess{"preprocess", {}}, forward{"forward", {}}, backward{"backward", {}},
      grid{"grid (engine side)", {}}, engine{"engine total", {}}, texture{"texture update", {}},
      frame_total{"frame (capture to texture)", {}};
  std::string texture_path;
  std::string input_size;
  double timed_s = 0.0;
  bool with_texture = false;

  void add(double capture_ms, const EngineSnapshot& snap, double texture_ms, double frame_ms) {
    timed_s += frame_ms / 1000.0;
    capture.ms.push_back(capture_ms);
    preprocess.ms.push_back(snap.times.preprocess);
    forward.ms.push_back(snap.times.forward);
    backward.ms.push_back(snap.times.backward);
    grid.ms.push_back(snap.times.grid);
    engine.ms.push_back(snap.times.total);
    if (with_texture) texture.ms.push_back(texture_ms);
    frame_total.ms.push_back(frame_ms);
  }
  std::vector<const StageStats*> stages() const {
    std::vector<const StageStats*> all = {&capture, &preprocess, &forward, &backward, &grid, &engine};
    if (with_texture) all.push_back(&texture);
    all.push_back(&frame_total);
    return all;
  }
};

// The texture stage of one frame, until the texels are in place (glFinish: the window's swap would wait for the
// same work); 0 without one.
double update_texture(TextureStage& stage, const EngineSnapshot& snap, EngineCore& core, LiveStats& stats) {
  if (!stage.textures) return 0.0;
  const Clock::time_point tt = Clock::now();
  stage.textures->update(snap);
  glFinish();
  const double texture_ms = ms_since(tt);
  if (const std::string failure = stage.textures->take_device_grid_failure(); !failure.empty()) {
    // As the window does: say so once and go on with host atlases from the next frame.
    std::fprintf(stderr, "deepvis: %s\n", failure.c_str());
    core.apply(UseDeviceGrid{false});
  }
  stats.texture_path =
      stage.textures->grid_on_device() ? "GPU: CUDA-GL interop into a registered texture" : "host atlas, PBO upload";
  return texture_ms;
}

void print_results(const LiveBenchOptions& o, const EngineCore& core, const LiveStats& stats) {
  // In the GUI capture runs on its own thread, so the engine's own rate is what a fast camera would see.
  const double pipeline_fps = stats.timed_s > 0.0 ? static_cast<double>(o.frames) / stats.timed_s : 0.0;
  const double engine_fps = stats.engine.mean() > 0.0 ? 1000.0 / stats.engine.mean() : 0.0;
  const std::string layer = core.settings().layer;
  if (o.json) {
    nlohmann::json j = {{"model", o.model.model},
                        {"device", core.model()->backend},
                        {"input", o.input},
                        {"input_size", stats.input_size},
                        {"layer", layer},
                        {"backward", o.backward},
                        {"frames", o.frames},
                        {"warmup", o.warmup},
                        {"fps", pipeline_fps},
                        {"engine_fps", engine_fps},
                        {"texture_path", stats.texture_path},
                        {"commit", build_commit()}};
    for (const StageStats* s : stats.stages()) {
      j["stages"][s->name] = {{"mean_ms", s->mean()}, {"median_ms", s->median()}, {"max_ms", s->max()}};
    }
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("live pipeline: %s (%s) on %s (%s), layer %s, backward %s, %d frames after %d warm-up; deepvis %s\n",
              o.model.model.c_str(), core.model()->backend.c_str(), o.input.c_str(), stats.input_size.c_str(),
              layer.c_str(), o.backward.c_str(), o.frames, o.warmup, build_commit());
  std::printf("%-26s %10s %10s %10s\n", "stage", "mean ms", "median ms", "max ms");
  for (const StageStats* s : stats.stages()) {
    std::printf("%-26s %10.3f %10.3f %10.3f\n", s->name, s->mean(), s->median(), s->max());
  }
  std::printf("texture update: %s\n", stats.texture_path.c_str());
  std::printf(
      "%.1f fps capture to texture in sequence; %.1f fps the engine alone (in the GUI capture and the UI "
      "thread overlap it)\n",
      pipeline_fps, engine_fps);
}

}  // namespace

int run_live_bench(const LiveBenchOptions& o) {
  require_device(o.model.device);  // before the engine, which would only report it as a model it could not load
  std::unique_ptr<FrameSource> source;
  try {
    source = open_source(o.input);
  } catch (const Error& e) {
    throw CommandError(kExitBadInput, e.what());
  }
  source->set_loop(true);

  EngineCore core(model_options(o.model), o.model.json);
  configure_engine(core, o);
  TextureStage texture_stage = make_texture_stage();
  core.apply(UseDeviceGrid{texture_stage.device_grid});

  LiveStats stats;
  stats.with_texture = texture_stage.textures != nullptr;
  stats.texture_path = texture_stage.problem;
  uint64_t sequence = 0;
  for (int i = 0; i < o.warmup + o.frames; ++i) {
    const Clock::time_point t0 = Clock::now();
    Frame frame;
    try {
      frame.rgb = source->read(frame.name);
    } catch (const Error& e) {
      throw CommandError(kExitBadInput, e.what());
    }
    frame.sequence = ++sequence;
    const double capture_ms = ms_since(t0);
    const std::shared_ptr<const EngineSnapshot> snap = core.process(frame);
    if (!snap->has_results()) throw CommandError(kExitBadInput, snap->error);
    const double texture_ms = update_texture(texture_stage, *snap, core, stats);
    const double frame_ms = ms_since(t0);
    if (i < o.warmup) continue;
    stats.input_size = std::to_string(frame.rgb.cols) + "x" + std::to_string(frame.rgb.rows);
    stats.add(capture_ms, *snap, texture_ms, frame_ms);
  }
  print_results(o, core, stats);
  return kExitOk;
}

}  // namespace deepvis::app
