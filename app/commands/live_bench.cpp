#include "app/commands/live_bench.hpp"

#include "app/capture/frame_source.hpp"
#include "app/commands/model_session.hpp"
#include "app/engine/engine_core.hpp"

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

}  // namespace

int run_live_bench(const LiveBenchOptions& o) {
  std::unique_ptr<FrameSource> source;
  try {
    source = open_source(o.input);
  } catch (const Error& e) {
    throw CommandError(kExitBadInput, e.what());
  }
  source->set_loop(true);

  EngineCore core(o.model);
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

  StageStats capture{"capture", {}}, preprocess{"preprocess", {}}, forward{"forward", {}}, backward{"backward", {}},
      grid{"grid (texture build)", {}}, engine{"engine total", {}}, frame_total{"frame (capture + engine)", {}};
  uint64_t sequence = 0;
  std::string input_size;
  double timed_s = 0.0;
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
    const double frame_ms = ms_since(t0);
    if (!snap->has_results()) throw CommandError(kExitBadInput, snap->error);
    if (i < o.warmup) continue;
    timed_s += frame_ms / 1000.0;
    input_size = std::to_string(frame.rgb.cols) + "x" + std::to_string(frame.rgb.rows);
    capture.ms.push_back(capture_ms);
    preprocess.ms.push_back(snap->times.preprocess);
    forward.ms.push_back(snap->times.forward);
    backward.ms.push_back(snap->times.backward);
    grid.ms.push_back(snap->times.grid);
    engine.ms.push_back(snap->times.total);
    frame_total.ms.push_back(frame_ms);
  }

  const std::vector<const StageStats*> stages = {&capture, &preprocess, &forward,    &backward,
                                                 &grid,    &engine,     &frame_total};
  // In the GUI capture runs on its own thread, so the engine's own rate is what a fast camera would see.
  const double pipeline_fps = timed_s > 0.0 ? static_cast<double>(o.frames) / timed_s : 0.0;
  const double engine_fps = engine.mean() > 0.0 ? 1000.0 / engine.mean() : 0.0;
  const std::string layer = core.settings().layer;
  if (o.json) {
    nlohmann::json j = {
        {"model", o.model.model}, {"device", core.model()->backend}, {"input", o.input},   {"input_size", input_size},
        {"layer", layer},         {"backward", o.backward},          {"frames", o.frames}, {"warmup", o.warmup},
        {"fps", pipeline_fps},    {"engine_fps", engine_fps}};
    for (const StageStats* s : stages) {
      j["stages"][s->name] = {{"mean_ms", s->mean()}, {"median_ms", s->median()}, {"max_ms", s->max()}};
    }
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("live pipeline: %s (%s) on %s (%s), layer %s, backward %s, %d frames after %d warm-up\n",
                o.model.model.c_str(), core.model()->backend.c_str(), o.input.c_str(), input_size.c_str(),
                layer.c_str(), o.backward.c_str(), o.frames, o.warmup);
    std::printf("%-26s %10s %10s %10s\n", "stage", "mean ms", "median ms", "max ms");
    for (const StageStats* s : stages) {
      std::printf("%-26s %10.3f %10.3f %10.3f\n", s->name, s->mean(), s->median(), s->max());
    }
    std::printf("%.1f fps capture + engine in sequence; %.1f fps the engine alone (capture overlaps in the GUI)\n",
                pipeline_fps, engine_fps);
  }
  return kExitOk;
}

}  // namespace deepvis::app
