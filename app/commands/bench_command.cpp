#include "app/build_commit.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/live_bench.hpp"
#include "app/commands/model_flags.hpp"
#include "compute/core/net_profile.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

namespace deepvis::app {

namespace {

struct BenchFlags {
  ModelFlags model;
  std::string what = "forward";
  int batch = 1;
  int iters = 20;
  int warmup = 3;
  std::string layer;
  bool profile = false;
  bool no_fusion = false;
  // --live: the GUI's per-frame pipeline over a video (app/commands/live_bench.hpp)
  bool live = false;
  std::string input = "samples/sample_video.avi";  // relative: run from the repository root
  int frames = 200;
  std::string backward = "gradient";
};

int run_bench(const BenchFlags& f) {
  if (f.live) {
    LiveBenchOptions live;
    live.model = f.model;
    live.input = f.input;
    live.frames = f.frames;
    live.warmup = f.warmup;
    live.backward = f.backward;
    live.layer = f.layer;
    live.json = f.model.json;
    return run_live_bench(live);
  }
  LoadedModel session = load_net(f.model, f.batch);
  std::unique_ptr<Net>& net = session.net;
  if (f.no_fusion) net->set_fusion(false);
  Tensor input(net->input_dims());
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  for (int64_t i = 0; i < input.numel(); ++i) input.at(i) = noise(rng);

  // A gradient step seeds unit 0 of the chosen layer (default: the first output), as the optimizer does.
  int target = net->graph().outputs.front();
  if (!f.layer.empty()) {
    try {
      target = net->blob_id(f.layer);
    } catch (const Error& e) {
      throw CommandError(kExitUsage, e.what());
    }
  }
  const bool step = f.what == "step";
  Tensor seed(net->blob_dims(target));
  for (int64_t b = 0; b < seed.dim(0); ++b) seed.at(b * (seed.numel() / seed.dim(0))) = 1.0f;
  Gradients grads = net->make_gradients();

  auto once = [&] {
    net->forward(input, step ? target : -1);
    if (step) net->backward_from(target, seed, BackwardMode::Gradient, grads);
    net->backend().synchronize();  // device backends queue work; time it done
  };
  for (int i = 0; i < f.warmup; ++i) once();
  std::vector<double> ms;
  net->enable_profiling(f.profile);
  for (int i = 0; i < f.iters; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    once();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  if (f.profile && !f.model.json) std::fputs(profile_table(*net, f.iters).c_str(), stdout);
  const double median = ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
  if (f.model.json) {
    nlohmann::json j = {{"model", f.model.model},
                        {"what", f.what},
                        {"batch", f.batch},
                        {"iters", f.iters},
                        {"device", net->backend_name()},
                        {"median_ms", median},
                        {"min_ms", ms.front()},
                        {"max_ms", ms.back()},
                        {"fused_relus", net->fused_relus()},
                        {"concats_in_place", net->concats_in_place()},
                        {"commit", build_commit()}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s %s batch %d on %s: median %.3f ms, min %.3f ms, max %.3f ms (%d iters; deepvis %s)\n",
                f.model.model.c_str(), f.what.c_str(), f.batch, net->backend_name().c_str(), median, ms.front(),
                ms.back(), f.iters, build_commit());
  }
  return kExitOk;
}

}  // namespace

Subcommand add_bench_command(CLI::App& parent) {
  auto flags = std::make_shared<BenchFlags>();
  CLI::App* parser = parent.add_subcommand("bench", "Time a forward pass or a gradient step (forward + backward)");
  add_model_flags(*parser, flags->model);
  CLI::Option* what = parser->add_option("--what", flags->what, "forward, or step (forward + backward to the input)")
                          ->check(CLI::IsMember({"forward", "step"}));
  CLI::Option* batch = parser->add_option("--batch", flags->batch, "Batch size")->check(CLI::Range(1, 4096));
  CLI::Option* iters = parser->add_option("--iters", flags->iters, "Timed iterations")->check(CLI::Range(1, 1000000));
  parser->add_option("--warmup", flags->warmup, "Untimed iterations first")->check(CLI::Range(0, 1000));
  parser->add_option("--layer", flags->layer, "Layer a step starts from (default: the first output)");
  CLI::Option* profile = parser->add_flag("--profile", flags->profile, "Also print the time per node, slowest first");
  CLI::Option* no_fusion =
      parser->add_flag("--no-fusion", flags->no_fusion,
                       "Run every node on its own (no Relu inside the node before it, no Concat written in place), "
                       "for comparison");
  CLI::Option* live =
      parser->add_flag("--live", flags->live,
                       "Time the live GUI's per-frame pipeline instead, stage by stage from capture to texture update");
  CLI::Option* input = parser->add_option(
      "--input", flags->input,
      "--live: video, image or folder (default: samples/sample_video.avi, from the repository root)");
  CLI::Option* frames =
      parser->add_option("--frames", flags->frames, "--live: timed frames")->check(CLI::Range(1, 1000000));
  CLI::Option* backward =
      parser->add_option("--backward", flags->backward, "--live: backward view: off, gradient, deconv or guided")
          ->check(CLI::IsMember({"off", "gradient", "deconv", "guided"}));
  // A flag that the chosen mode would ignore is refused (exit 2), so no run silently measures something else.
  for (CLI::Option* step_only : {what, batch, iters, profile, no_fusion}) live->excludes(step_only);
  for (CLI::Option* live_only : {input, frames, backward}) live_only->needs(live);
  return {parser, [flags] { return run_guarded("bench", [&] { return run_bench(*flags); }); }};
}

}  // namespace deepvis::app
