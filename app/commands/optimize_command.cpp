#include "app/ascent/layer_gallery.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/model_flags.hpp"
#include "app/commands/output_check.hpp"
#include "app/commands/unit_spec.hpp"
#include "app/record/video_recorder.hpp"
#include "compute/io/npy.hpp"
#include "compute/vis/ascent.hpp"
#include "compute/vis/ascent_report.hpp"
#include "compute/vis/ascent_setup.hpp"
#include "render/framebuffer_capture.hpp"

#ifdef DEEPVIS_HAVE_CUDA
#include "compute/vis/cuda/device_ascent.hpp"
#endif

#include <unistd.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <sstream>

namespace deepvis::app {

namespace {

struct OptimizeFlags {
  ModelFlags model;
  std::string layer;
  std::string unit;   // C or C:Y:X
  std::string units;  // 0-63, 1,5,9, all
  int preset = 0;
  vis::AscentParams p;  // values of the individual flags; applied over the preset when given
  std::string lr_policy = "constant";
  std::string start_at = "mean_plus_rand";
  std::string out;
  int snapshot_every = 0;
  std::string video;  // the progress as a video, one frame per --video-every steps
  int video_every = 1;
  double video_fps = 30.0;
  bool progress = false;
  bool all_units = false;  // every channel of the layer (as --units all)
  std::string gallery;     // an HTML gallery folder: the units run in batches of gallery_batch
  int gallery_batch = 8;
  std::vector<std::pair<CLI::Option*, std::function<void(vis::AscentParams&)>>> overrides;
  CLI::Option* diversity_weight = nullptr;  // options whose presence alone can contradict others
  CLI::Option* beta1 = nullptr;
  CLI::Option* beta2 = nullptr;
};

// "a,b" (or "a" for a fixed zoom) into scale_min, scale_max.
void parse_scale_range(const std::string& text, vis::AscentParams& p) {
  try {
    const auto comma = text.find(',');
    size_t used = 0;
    p.scale_min = std::stod(text.substr(0, comma), &used);
    if (used != (comma == std::string::npos ? text.size() : comma)) throw std::invalid_argument(text);
    p.scale_max = p.scale_min;
    if (comma != std::string::npos) {
      const std::string hi = text.substr(comma + 1);
      p.scale_max = std::stod(hi, &used);
      if (used != hi.size()) throw std::invalid_argument(text);
    }
  } catch (const std::exception&) {
    throw Error("--scale-range '" + text + "': expected two numbers a,b (e.g. 0.9,1.1)");
  }
}

// The options beyond the paper that only make sense with another one.
void check_option_contradictions(const OptimizeFlags& f, const vis::AscentParams& p) {
  if (f.diversity_weight->count() > 0 && p.objective != vis::ObjectiveKind::Diversity) {
    throw CommandError(kExitUsage, "--diversity-weight needs --objective diversity");
  }
  if ((f.beta1->count() > 0 || f.beta2->count() > 0) && p.optimizer != vis::OptimizerKind::Adam) {
    throw CommandError(kExitUsage, "--beta1 and --beta2 need --optimizer adam");
  }
}

// The direction objective's vector: any .npy of C floats (its shape is flattened).
void load_direction(vis::AscentParams& p) {
  if (p.direction_file.empty()) return;
  Tensor d;
  try {
    d = read_npy(p.direction_file);
  } catch (const Error& e) {
    throw CommandError(kExitBadInput, std::string("--direction: ") + e.what());
  }
  p.direction.assign(d.data(), d.data() + d.numel());
}

std::vector<int64_t> parse_units(const std::string& spec, int64_t channels) {
  if (spec == "all") {
    std::vector<int64_t> all(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) all[static_cast<size_t>(c)] = c;
    return all;
  }
  std::vector<int64_t> units;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      const auto dash = item.find('-');
      size_t used = 0;
      const int64_t lo = std::stoll(item.substr(0, dash), &used);
      const int64_t hi = dash == std::string::npos ? lo : std::stoll(item.substr(dash + 1));
      if (lo < 0 || hi < lo) throw std::invalid_argument(item);
      for (int64_t u = lo; u <= hi; ++u) units.push_back(u);
    } catch (const std::exception&) {
      throw CommandError(kExitUsage, "--units '" + spec + "': expected all, or ranges like 0-63,70");
    }
  }
  return units;
}

void progress_line(int done, int total, double best_obj, double seconds) {
  const int width = 30;
  const int filled = total > 0 ? done * width / total : width;
  const double rate = seconds > 0 ? done / seconds : 0.0;
  const double eta = rate > 0 ? (total - done) / rate : 0.0;
  std::fprintf(stderr, "\r[%.*s%*s] %d/%d  %.1f it/s  ETA %.0fs  best %.4g ", filled, "##############################",
               width - filled, "", done, total, rate, eta, best_obj);
  std::fflush(stderr);
}

void progress_line(const vis::AscentRun& run, double seconds) {
  progress_line(run.iteration(), run.params().max_iter, run.record(0).best_obj, seconds);
}

// The files and the summary, the same whichever loop ran.
int report_results(const OptimizeFlags& f, const vis::AscentParams& params, const vis::PixelSpace& space, bool bgr,
                   int units, int iterations, double seconds, const std::string& loop,
                   const std::function<std::string(int)>& element_prefix,
                   const std::function<const vis::UnitRecord&(int)>& record_of,
                   const std::optional<vis::ImageCrop>& crop) {
  nlohmann::json summary = nlohmann::json::array();
  const nlohmann::json extra = {{"model", f.model.model}, {"seconds", seconds}, {"loop", loop}};
  for (int k = 0; k < units; ++k) {
    const vis::UnitRecord& r = record_of(k);
    const auto paths = vis::write_unit_outputs(element_prefix(k), params, space, r, bgr, units > 1, extra, crop);
    summary.push_back({{"unit", r.unit},
                       {"best_obj", r.best_obj},
                       {"meta_result", r.meta_result()},
                       {"failure", r.failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.failure)},
                       {"files", paths}});
    if (!f.model.json) {
      std::printf("unit %lld: %s, best obj %.5g at ii %d%s%s -> %s\n", static_cast<long long>(r.unit),
                  r.meta_result().c_str(), r.best_obj, r.best_ii,
                  r.failure.empty() ? "" : "; stopped: ", r.failure.c_str(), paths[0].c_str());
    }
  }
  if (f.model.json) {
    std::printf("%s\n", nlohmann::json{{"units", summary}, {"seconds", seconds}, {"loop", loop}}.dump(1).c_str());
  } else {
    std::printf("%d iterations x %d units in %.2f s (%.1f it/s) on the %s\n", iterations, units, seconds,
                iterations / std::max(seconds, 1e-9), loop.c_str());
  }
  return kExitOk;
}

#ifdef DEEPVIS_HAVE_CUDA
// The whole loop on the GPU (compute/vis/cuda/device_ascent.hpp): steps replayed as a CUDA graph, records read back
// every 50 steps for the progress line and at the end.
int run_on_device(const OptimizeFlags& f, Net& net, const vis::AscentParams& params, const vis::PixelSpace& space,
                  bool bgr, const Tensor* start, bool show_progress,
                  const std::function<std::string(int)>& element_prefix) {
  std::unique_ptr<cuda::DeviceAscentRun> run;
  try {
    run = std::make_unique<cuda::DeviceAscentRun>(net, params, space, start);
  } catch (const Error& e) {
    throw CommandError(kExitUsage, e.what());
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  while (!run->finished()) {
    run->run(50);
    if (show_progress) progress_line(run->iteration(), params.max_iter, run->best_objective(0), elapsed());
  }
  const double seconds = elapsed();
  if (show_progress) std::fputc('\n', stderr);
  return report_results(
      f, run->params(), space, bgr, run->units(), run->iteration(), seconds, "gpu (" + run->launch_note() + ")",
      element_prefix, [&](int k) -> const vis::UnitRecord& { return run->record(k); },
      vis::ascent_unit_crop(net, params));
}
#endif

// The parameters the flags give: the preset, the overrides over it, checked for contradictions. Exit 2 on any.
vis::AscentParams params_from_flags(OptimizeFlags& f) {
  if (f.all_units && (!f.unit.empty() || !f.units.empty())) {
    throw CommandError(kExitUsage, "--all-units excludes --unit and --units");
  }
  if (f.all_units) f.units = "all";
  if (f.unit.empty() == f.units.empty()) throw CommandError(kExitUsage, "give exactly one of --unit and --units");
  if (f.out.empty() && f.gallery.empty()) throw CommandError(kExitUsage, "give --out PREFIX (or --gallery DIR)");
  if (!f.out.empty()) require_writable_folder(f.out + "_info.json", "--out");
  if (!f.video.empty()) require_writable_folder(f.video, "--video");
  vis::AscentParams params;
  try {
    if (f.preset != 0) params = vis::preset(f.preset);
    for (auto& [option, apply] : f.overrides) {
      if (option->count() > 0) apply(params);
    }
  } catch (const Error& e) {
    throw CommandError(kExitUsage, e.what());
  }
  check_option_contradictions(f, params);
  load_direction(params);
  params.push_layer = f.layer;
  return params;
}

// --unit or --units, checked against the layer on the loaded (batch-1) net. Exit 2 for a bad layer or unit.
void set_target_units(const OptimizeFlags& f, const Net& net, vis::AscentParams& params) {
  int blob = -1;
  try {
    blob = net.blob_id(f.layer);
  } catch (const Error& e) {
    throw CommandError(kExitUsage, e.what());
  }
  const Dims out = net.blob_dims(blob);
  if (!f.unit.empty()) {
    const UnitSpec u = parse_unit_spec(f.unit);
    check_unit(u, out, f.layer);
    params.push_units = {u.channel};
    params.push_y = u.y;
    params.push_x = u.x;
  } else {
    params.push_units = parse_units(f.units, out.at(1));
    for (int64_t u : params.push_units) check_unit({u, {}, {}}, out, f.layer);
  }
}

// Batch element k of x (K, C, H, W) as a (C, H, W) image.
Tensor element(const Tensor& x, int k) {
  const int64_t per_unit = x.numel() / x.dim(0);
  return Tensor({x.dim(1), x.dim(2), x.dim(3)},
                std::vector<float>(x.data() + k * per_unit, x.data() + (k + 1) * per_unit));
}

// --snapshot-every: every element's image at this step.
void write_snapshots(const vis::AscentRun& run, const vis::PixelSpace& space, bool bgr,
                     const std::function<std::string(int)>& element_prefix) {
  for (int k = 0; k < run.units(); ++k) {
    char name[64];
    std::snprintf(name, sizeof name, "_unit%04lld_snap%05d.png", static_cast<long long>(run.record(k).unit),
                  run.iteration());
    render::write_image(element_prefix(k) + name, vis::display_xpm(element(run.x(), k), space, bgr));
  }
}

// The loop on the host (the net on its backend), with the video and snapshots of --video and --snapshot-every.
int run_on_host(const OptimizeFlags& f, Net& net, const vis::AscentParams& params, const vis::PixelSpace& space,
                bool bgr, const Tensor* start, const std::function<std::string(int)>& element_prefix) {
  std::unique_ptr<vis::AscentRun> run;
  try {
    run = std::make_unique<vis::AscentRun>(net, params, space, start);
  } catch (const Error& e) {
    throw CommandError(kExitUsage, e.what());
  }
  // The video shows the first batch element, as its snapshots would be saved; one frame per --video-every steps.
  std::unique_ptr<VideoRecorder> video;
  if (!f.video.empty()) {
    if (f.video_every < 1) throw CommandError(kExitUsage, "--video-every must be at least 1");
    video = std::make_unique<VideoRecorder>(f.video, static_cast<int>(run->x().dim(3)),
                                            static_cast<int>(run->x().dim(2)), f.video_fps);
    std::fprintf(stderr, "optimize: video %s, %s\n", video->path().c_str(), video->codec_name().c_str());
  }
  auto video_frame = [&] {
    cv::Mat image = vis::display_xpm(element(run->x(), 0), space, bgr);
    if (image.channels() == 1) cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);
    if (!video->push_waiting(std::move(image))) throw OutputError("video stopped: " + video->message());
  };
  const bool show_progress = f.progress || isatty(STDERR_FILENO);
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  double last_draw = -1.0;
  while (run->step()) {
    if (video && run->iteration() % f.video_every == 0) video_frame();
    if (f.snapshot_every > 0 && run->iteration() % f.snapshot_every == 0) {
      write_snapshots(*run, space, bgr, element_prefix);
    }
    if (show_progress && elapsed() - last_draw > 0.1) {
      progress_line(*run, elapsed());
      last_draw = elapsed();
    }
  }
  const double seconds = elapsed();
  if (show_progress) {
    progress_line(*run, seconds);
    std::fputc('\n', stderr);
  }
  if (video) {
    const uint64_t frames = video->stop();
    if (!video->message().empty()) throw Error(video->message());
    std::fprintf(stderr, "optimize: wrote %llu video frames to %s\n", static_cast<unsigned long long>(frames),
                 video->path().c_str());
  }
  return report_results(
      f, params, space, bgr, run->units(), run->iteration(), seconds, "host", element_prefix,
      [&](int k) -> const vis::UnitRecord& { return run->record(k); }, vis::ascent_unit_crop(net, params));
}

int run_optimize(OptimizeFlags& f) {
  vis::AscentParams params = params_from_flags(f);
  // Resolve the target on a batch-1 net first, to size the batch.
  LoadedModel session = load_net(f.model, 1);
  set_target_units(f, *session.net, params);
  Tensor start;
  if (params.start_at == vis::StartAt::Image) start = load_input(params.start_image, f.model, session);
  const Tensor* start_image = start.empty() ? nullptr : &start;
  const vis::PixelSpace space = vis::pixel_space(session.preprocess, session.net->input_dims().at(1));
  const bool bgr = session.preprocess.bgr;
  if (!f.gallery.empty()) {  // batches of --gallery-batch units; bad params exit 2, a failed write exits 1
    if (const std::string bad = vis::validate(params); !bad.empty()) throw CommandError(kExitUsage, bad);
    if (params.objective == vis::ObjectiveKind::Diversity) {
      throw CommandError(kExitUsage, "--gallery runs units independently; --objective diversity needs --out");
    }
    return run_gallery_command(*session.net, space, std::filesystem::path(f.model.model).stem().string(), params,
                               params.push_units, f.gallery_batch, f.gallery, f.progress || isatty(STDERR_FILENO),
                               f.model.json, start_image);
  }

  // The same unit twice (diversity's usual use: several images of one channel) names files by batch element too.
  const bool repeated =
      std::set<int64_t>(params.push_units.begin(), params.push_units.end()).size() < params.push_units.size();
  auto element_prefix = [&](int k) {
    if (!repeated) return f.out;
    char tag[32];
    std::snprintf(tag, sizeof tag, "_elem%02d", k);
    return f.out + tag;
  };
#ifdef DEEPVIS_HAVE_CUDA
  // On the GPU the paper's loop runs there whole; what it does not run (Lucid options, video or snapshots of every
  // step) steps on the host with the net on the GPU.
  if (session.net->backend().device() == Device::Cuda) {
    std::string why = cuda::DeviceAscentRun::unsupported(params);
    if (why.empty() && (!f.video.empty() || f.snapshot_every > 0)) why = "--video or --snapshot-every";
    if (why.empty()) {
      return run_on_device(f, *session.net, params, space, bgr, start_image, f.progress || isatty(STDERR_FILENO),
                           element_prefix);
    }
    std::fprintf(stderr, "optimize: the GPU loop does not run %s: stepping on the host, the net on the GPU\n",
                 why.c_str());
  }
#endif
  return run_on_host(f, *session.net, params, space, bgr, start_image, element_prefix);
}

// `field` is a member of one of AscentParams' parts (compute/vis/ascent_params.hpp).
template <class T, class Part>
void add_override(CLI::App& cmd, OptimizeFlags& f, const std::string& name, T Part::*field, const std::string& help) {
  static_assert(std::is_base_of_v<Part, vis::AscentParams>, "a field of one of AscentParams' parts");
  auto value = std::make_shared<T>();
  CLI::Option* option = cmd.add_option(name, *value, help);
  f.overrides.emplace_back(option, [value, field](vis::AscentParams& p) { p.*field = *value; });
}

// Options beyond the original paper (Lucid-style); their defaults keep the paper's loop.
void add_extension_flags(CLI::App& cmd, OptimizeFlags& f) {
  auto choice = [&](const std::string& name, const std::string& help, std::vector<std::string> values,
                    std::function<void(vis::AscentParams&, const std::string&)> apply) {
    auto value = std::make_shared<std::string>();
    f.overrides.emplace_back(cmd.add_option(name, *value, help)->check(CLI::IsMember(values)),
                             [value, apply](vis::AscentParams& p) { apply(p, *value); });
  };
  choice("--objective",
         "neuron (default: the unit), channel (its mean over positions), direction, direction_neuron, "
         "or diversity (channel + diversity between batch elements)",
         {"neuron", "channel", "direction", "direction_neuron", "diversity"},
         [](vis::AscentParams& p, const std::string& v) { p.objective = vis::parse_objective(v); });
  add_override(cmd, f, "--direction", &vis::AscentParams::direction_file,
               "Direction objectives: a .npy of one weight per channel of the layer");
  add_override(cmd, f, "--diversity-weight", &vis::AscentParams::diversity_weight,
               "Weight of the diversity term (default 100)");
  f.diversity_weight = f.overrides.back().first;
  add_override(cmd, f, "--jitter", &vis::AscentParams::jitter, "Random circular shift of up to N pixels per step");
  add_override(cmd, f, "--pad", &vis::AscentParams::pad, "Constant pad by N, cropped back at a random offset");
  auto scale = std::make_shared<std::string>();
  f.overrides.emplace_back(cmd.add_option("--scale-range", *scale, "Random zoom per step, uniform in a,b"),
                           [scale](vis::AscentParams& p) { parse_scale_range(*scale, p); });
  add_override(cmd, f, "--rotate", &vis::AscentParams::rotate_deg, "Random rotation per step, up to DEG degrees");
  auto list = std::make_shared<std::string>();
  f.overrides.emplace_back(
      cmd.add_option("--transforms", *list,
                     "The random transforms as a list, applied in its order, instead of the four flags above: "
                     "e.g. pad:12,jitter:8,scale:0.9:1.1,rotate:10,jitter:4"),
      [list](vis::AscentParams& p) { p.transforms = vis::parse_transform_list(*list); });
  choice("--param", "pixel (default) or fft (1/f spectrum with decorrelated colour; 3-channel models)",
         {"pixel", "fft"}, [](vis::AscentParams& p, const std::string& v) { p.param = vis::parse_param(v); });
  choice("--optimizer", "sgd (default, the paper's step) or adam (constant --lr)", {"sgd", "adam"},
         [](vis::AscentParams& p, const std::string& v) { p.optimizer = vis::parse_optimizer(v); });
  add_override(cmd, f, "--beta1", &vis::AscentParams::beta1, "Adam's beta1 (default 0.9)");
  f.beta1 = f.overrides.back().first;
  add_override(cmd, f, "--beta2", &vis::AscentParams::beta2, "Adam's beta2 (default 0.999)");
  f.beta2 = f.overrides.back().first;
}

}  // namespace

Subcommand add_optimize_command(CLI::App& parent) {
  auto f = std::make_shared<OptimizeFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "optimize", "What a unit wants: the paper's regularized gradient ascent (presets 1-4), for one unit or many");
  add_model_flags(*cmd, f->model);
  cmd->add_option("--layer", f->layer, "Layer of the unit (blob or node name)")->required();
  auto* unit = cmd->add_option("--unit", f->unit, "Unit C, or C:Y:X for one position of a conv channel");
  auto* units = cmd->add_option("--units", f->units, "Many units, one batch element each: 0-63, 1,5,9 or all");
  unit->excludes(units);
  cmd->add_option("--preset", f->preset, "The paper's hyperparameter set 1-4 (Table 1); flags below override it");
  cmd->add_option("--out", f->out, "Output prefix: PREFIX_best_X.png, PREFIX_best_Xpm.png, PREFIX_info.json");
  cmd->add_flag("--all-units", f->all_units, "Every unit of the layer (as --units all)");
  cmd->add_option("--gallery", f->gallery, "Write an HTML gallery DIR/index.html, gallery.json, a PNG per unit");
  cmd->add_option("--gallery-batch", f->gallery_batch, "Units per batch with --gallery (default 8)");
  cmd->add_option("--snapshot-every", f->snapshot_every, "Also write the image every N iterations");
  cmd->add_option("--video", f->video,
                  "Also write the progress as a video, one frame per step (.mp4 for H.264 or .avi for MJPG)");
  cmd->add_option("--video-every", f->video_every, "With --video: one frame every N steps (default 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--video-fps", f->video_fps, "With --video: frames per second (default 30)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--progress", f->progress, "Show the progress bar even when stderr is not a terminal");
  add_override(*cmd, *f, "--decay", &vis::AscentParams::decay, "L2 decay per step");
  add_override(*cmd, *f, "--blur-radius", &vis::AscentParams::blur_radius, "Gaussian blur sigma (pixels)");
  add_override(*cmd, *f, "--blur-every", &vis::AscentParams::blur_every, "Blur every N iterations");
  add_override(*cmd, *f, "--small-val-percentile", &vis::AscentParams::small_val_percentile,
               "Zero entries with |x| below this percentile");
  add_override(*cmd, *f, "--small-norm-percentile", &vis::AscentParams::small_norm_percentile,
               "Zero pixels with norm below this percentile");
  add_override(*cmd, *f, "--px-benefit-percentile", &vis::AscentParams::px_benefit_percentile,
               "Zero pixels with contribution below this percentile");
  add_override(*cmd, *f, "--px-abs-benefit-percentile", &vis::AscentParams::px_abs_benefit_percentile,
               "Zero pixels with |contribution| below this percentile");
  add_override(*cmd, *f, "--lr", &vis::AscentParams::lr, "Learning rate (constant policy)");
  add_override(*cmd, *f, "--max-lr", &vis::AscentParams::max_lr, "Largest learning rate (progress policies)");
  add_override(*cmd, *f, "--desired-prog", &vis::AscentParams::desired_prog, "Desired progress (progress policy)");
  add_override(*cmd, *f, "--early-prog", &vis::AscentParams::early_prog, "Early progress (progress01 policy)");
  add_override(*cmd, *f, "--late-prog-mult", &vis::AscentParams::late_prog_mult, "Late multiplier (progress01)");
  add_override(*cmd, *f, "--max-iter", &vis::AscentParams::max_iter, "Iterations");
  add_override(*cmd, *f, "--push-dir", &vis::AscentParams::push_dir, "+1 to maximize the unit, -1 to minimize");
  add_override(*cmd, *f, "--seed", &vis::AscentParams::seed, "Random seed of the start point");
  add_override(*cmd, *f, "--start-image", &vis::AscentParams::start_image, "Start image (with --start-at image)");
  auto policy = std::make_shared<std::string>();
  f->overrides.emplace_back(cmd->add_option("--lr-policy", *policy, "constant, progress or progress01")
                                ->check(CLI::IsMember({"constant", "progress", "progress01"})),
                            [policy](vis::AscentParams& p) { p.lr_policy = vis::parse_lr_policy(*policy); });
  auto start = std::make_shared<std::string>();
  f->overrides.emplace_back(cmd->add_option("--start-at", *start, "mean_plus_rand (default), randu, mean or image")
                                ->check(CLI::IsMember({"mean_plus_rand", "randu", "mean", "image"})),
                            [start](vis::AscentParams& p) { p.start_at = vis::parse_start_at(*start); });
  add_extension_flags(*cmd, *f);
  return {cmd, [f] { return run_guarded("optimize", [&] { return run_optimize(*f); }); }};
}

}  // namespace deepvis::app
