#include "app/ascent/ascent_session.hpp"

#include "app/session/ascent_loop_factory.hpp"
#include "compute/core/error.hpp"
#include "compute/image/load_image.hpp"
#include "compute/image/preprocess.hpp"
#include "compute/io/npy.hpp"
#include "compute/vis/ascent_report.hpp"

#include <opencv2/imgproc.hpp>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <type_traits>

namespace deepvis::app {

const char* start_kind_name(StartKind kind) {
  switch (kind) {
    case StartKind::Noise: return "noise";
    case StartKind::Uniform: return "uniform";
    case StartKind::Mean: return "mean";
    case StartKind::Frame: return "input frame";
    case StartKind::File: return "file";
  }
  return "?";
}

const char* ascent_state_name(AscentState state) {
  switch (state) {
    case AscentState::Idle: return "idle";
    case AscentState::Running: return "running";
    case AscentState::Paused: return "paused";
    case AscentState::Finished: return "finished";
  }
  return "?";
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

bool is_integer(const std::string& s) {
  size_t i = s.size() > 1 && s[0] == '-' ? 1 : 0;
  if (i >= s.size()) return false;
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return s.size() < 19;  // stoll cannot overflow
}

std::string join(const std::vector<std::string>& parts, size_t begin, size_t end, const std::string& sep) {
  std::string out;
  for (size_t i = begin; i < end; ++i) out += (i > begin ? sep : "") + parts[i];
  return out;
}

// What a live run cannot take from update_params: the fields that define the run, and a longer budget than the
// records were reserved for.
std::vector<std::string> needs_new_run(const vis::AscentParams& run, const vis::AscentParams& next) {
  std::vector<std::string> why;
  if (next.seed != run.seed) why.emplace_back("seed");
  if (next.push_dir != run.push_dir) why.emplace_back("push direction");
  if (next.objective != run.objective) why.emplace_back("objective");
  if (next.direction != run.direction || next.direction_file != run.direction_file) why.emplace_back("direction");
  if (next.param != run.param) why.emplace_back("parameterization");
  if (next.optimizer != run.optimizer) why.emplace_back("optimizer");
  if (next.max_iter > run.max_iter) why.emplace_back("iterations (more than this run reserved)");
  return why;
}

// The parameters that differ, as params_json names and new values, for the saved record of live changes.
nlohmann::json changed_params(const vis::AscentParams& before, const vis::AscentParams& after) {
  const nlohmann::json a = vis::params_json(before);
  const nlohmann::json b = vis::params_json(after);
  nlohmann::json diff = nlohmann::json::object();
  for (const auto& [key, value] : b.items()) {
    if (!a.contains(key) || a[key] != value) diff[key] = value;
  }
  return diff;
}

cv::Mat to_rgb(const cv::Mat& bgr) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

}  // namespace

AscentSession::AscentSession(std::shared_ptr<ModelCache> models)
    : models_(models ? std::move(models) : std::make_shared<ModelCache>()) {}
AscentSession::~AscentSession() = default;

void AscentSession::apply(const AscentCommand& command) {
  ++commands_applied_;
  std::visit(
      [this](const auto& c) {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, LoadAscentModel>) {
          load_model(c);
        } else if constexpr (std::is_same_v<C, SetAscentTarget>) {
          std::string label = c.layer + ":" + std::to_string(c.unit);
          if (c.y) label += ":" + std::to_string(*c.y) + ":" + std::to_string(c.x.value_or(0));
          set_target(label, c.layer, c.unit, c.y, c.x);
        } else if constexpr (std::is_same_v<C, SetAscentTargetText>) {
          set_target_text(c.text);
        } else if constexpr (std::is_same_v<C, SetAscentStart>) {
          set_start(c);
        } else if constexpr (std::is_same_v<C, SetAscentParams>) {
          set_params(c.params);
        } else if constexpr (std::is_same_v<C, ApplyAscentPreset>) {
          apply_preset(c.number);
        } else if constexpr (std::is_same_v<C, RunAscent>) {
          run();
        } else if constexpr (std::is_same_v<C, PauseAscent>) {
          if (state_ == AscentState::Running) {
            state_ = AscentState::Paused;
            end_run();
          }
        } else if constexpr (std::is_same_v<C, StepAscent>) {
          step_once();
        } else if constexpr (std::is_same_v<C, ResetAscent>) {
          reset();
        } else if constexpr (std::is_same_v<C, SaveAscent>) {
          save(c.prefix);
        }
      },
      command);
}

void AscentSession::refuse(const std::string& what) {
  error_ = what;
  ++error_count_;
}

bool AscentSession::require_model(const char* action) {
  if (model_) return true;
  refuse(std::string("cannot ") + action + ": no model loaded");
  return false;
}

void AscentSession::load_model(const LoadAscentModel& command) {
  const std::string& path = command.path;
  std::unique_ptr<LoadedModel> loaded;
  try {
    ModelOptions options;  // as the engine loads it: card over defaults, on the engine's device
    options.path = path;
    options.device = command.device;
    options.batch = 1;
    loaded = std::make_unique<LoadedModel>(models_->load(options));  // its notes are not printed
  } catch (const std::exception& e) {
    refuse(std::string("cannot load model: ") + e.what());
    return;
  }
  const Dims& in = loaded->net->input_dims();
  if (in.size() != 4) {
    refuse("cannot optimize for " + path + ": the optimizer needs an image input (N,C,H,W), the model has " +
           to_string(in));
    return;
  }
  run_.reset();
  model_ = std::move(loaded);
  model_path_ = path;
  space_ = vis::pixel_space(model_->preprocess, in[1]);
  has_target_ = false;
  params_.push_layer.clear();
  params_.push_units.clear();
  params_.push_y.reset();
  params_.push_x.reset();
  // A frame or file start was preprocessed for the previous model: start from noise until one is chosen again.
  start_kind_ = StartKind::Noise;
  start_name_.clear();
  start_image_ = Tensor();
  params_.start_at = vis::StartAt::MeanPlusRand;
  params_.start_image.clear();
  state_ = AscentState::Idle;
  live_changes_ = nlohmann::json::array();
  saved_files_.clear();
  error_.clear();
  message_ = "model " + std::filesystem::path(path).stem().string() + " loaded; choose a unit";
}

std::string AscentSession::restart(const std::string& why) {
  if (!model_ || !has_target_) return "no target: select a unit or type layer:unit";
  std::unique_ptr<vis::AscentLoop> next;
  try {
    // The device loop when the engine's model is on the GPU (unverified on a card until scripts/gpu-check runs it).
    next = make_ascent_loop(*model_->net, params_, space_, start_image_.empty() ? nullptr : &start_image_);
  } catch (const Error& e) {
    return e.what();
  }
  run_ = std::move(next);
  live_changes_ = nlohmann::json::array();
  run_seconds_ = 0.0;
  window_steps_ = 0;
  window_start_ = Clock::now();
  if (state_ != AscentState::Running) state_ = AscentState::Idle;
  if (!why.empty()) message_ = why;
  return {};
}

void AscentSession::set_target(const std::string& label, const std::string& layer, int64_t unit,
                               std::optional<int64_t> y, std::optional<int64_t> x) {
  if (!require_model("set a target")) return;
  const Net& net = *model_->net;
  int blob = -1;
  try {
    blob = net.blob_id(layer);
  } catch (const Error& e) {
    refuse("target '" + label + "': " + e.what());
    return;
  }
  const Dims& out = net.blob_dims(blob);
  if (out.size() < 2) {
    refuse("target '" + label + "': layer '" + layer + "' (" + to_string(out) + ") has no units");
    return;
  }
  if (unit < 0 || unit >= out[1]) {
    refuse("target '" + label + "': layer '" + layer + "' (" + to_string(out) + ") has units 0-" +
           std::to_string(out[1] - 1) + ", not " + std::to_string(unit));
    return;
  }
  if (y.has_value() != x.has_value()) {
    refuse("target '" + label + "': give both y and x of the position, or neither");
    return;
  }
  if (y && (out.size() != 4 || *y < 0 || *y >= out[2] || *x < 0 || *x >= out[3])) {
    refuse("target '" + label + "': layer '" + layer + "' (" + to_string(out) + ") has no position " +
           std::to_string(*y) + ":" + std::to_string(*x));
    return;
  }
  const vis::AscentParams before = params_;
  const bool had_target = has_target_;
  params_.push_layer = layer;
  params_.push_units = {unit};
  params_.push_y = y;
  params_.push_x = x;
  has_target_ = true;
  if (const std::string problem = restart("target " + label + ": a new run"); !problem.empty()) {
    params_ = before;
    has_target_ = had_target;
    refuse("target '" + label + "': " + problem);
    return;
  }
  error_.clear();
}

// "layer:unit" or "layer:unit:y:x", the layer name possibly holding ':' itself, optionally prefixed with the model's
// stem as in the stable id "model/layer:unit". The longest reading whose layer exists wins.
void AscentSession::set_target_text(const std::string& raw) {
  if (!require_model("set a target")) return;
  std::string text = raw;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.erase(text.begin());
  std::vector<std::string> parts;
  size_t begin = 0;
  for (size_t colon = text.find(':'); colon != std::string::npos; colon = text.find(':', begin)) {
    parts.push_back(text.substr(begin, colon - begin));
    begin = colon + 1;
  }
  parts.push_back(text.substr(begin));

  struct Reading {
    std::string layer;
    int64_t unit = 0;
    std::optional<int64_t> y, x;
  };
  std::vector<Reading> readings;
  const size_t n = parts.size();
  if (n >= 4 && is_integer(parts[n - 3]) && is_integer(parts[n - 2]) && is_integer(parts[n - 1])) {
    readings.push_back(
        {join(parts, 0, n - 3, ":"), std::stoll(parts[n - 3]), std::stoll(parts[n - 2]), std::stoll(parts[n - 1])});
  }
  if (n >= 2 && is_integer(parts[n - 1])) {
    readings.push_back({join(parts, 0, n - 1, ":"), std::stoll(parts[n - 1]), std::nullopt, std::nullopt});
  }
  const std::string stem = std::filesystem::path(model_path_).stem().string() + "/";
  for (size_t i = 0, count = readings.size(); i < count; ++i) {
    if (readings[i].layer.rfind(stem, 0) == 0) {
      Reading r = readings[i];
      r.layer = r.layer.substr(stem.size());
      readings.push_back(r);
    }
  }
  if (readings.empty() || readings.front().layer.empty()) {
    refuse("target '" + text + "': expected layer:unit or layer:unit:y:x");
    return;
  }
  const Reading* chosen = &readings.front();
  for (const Reading& r : readings) {
    try {
      model_->net->blob_id(r.layer);
      chosen = &r;
      break;
    } catch (const Error&) {
    }
  }
  set_target(text, chosen->layer, chosen->unit, chosen->y, chosen->x);
}

void AscentSession::set_start(const SetAscentStart& start) {
  vis::AscentParams next = params_;
  Tensor image;
  std::string name;
  switch (start.kind) {
    case StartKind::Noise: next.start_at = vis::StartAt::MeanPlusRand; break;
    case StartKind::Uniform: next.start_at = vis::StartAt::Randu; break;
    case StartKind::Mean: next.start_at = vis::StartAt::Mean; break;
    case StartKind::Frame:
    case StartKind::File: {
      if (!require_model("start from an image")) return;
      const Dims& in = model_->net->input_dims();
      try {
        if (start.kind == StartKind::Frame) {
          if (start.frame_rgb.empty()) throw Error("there is no input frame yet");
          name = "frame: " + (start.frame_name.empty() ? std::string("input") : start.frame_name);
          image = preprocess_image(start.frame_rgb, model_->preprocess, in);
        } else {
          if (start.file.empty()) throw Error("no file given");
          name = start.file;
          image = std::filesystem::path(start.file).extension() == ".npy"
                      ? read_npy(start.file)
                      : preprocess_image(load_image_rgb(start.file), model_->preprocess, in);
        }
        Dims expected = in;
        expected[0] = 1;
        if (image.dims() != expected) {
          throw Error("'" + name + "' has dims " + to_string(image.dims()) + "; the model expects " +
                      to_string(expected));
        }
      } catch (const Error& e) {
        refuse(std::string("start from ") + start_kind_name(start.kind) + ": " + e.what());
        return;
      }
      next.start_at = vis::StartAt::Image;
      break;
    }
  }
  next.start_image = next.start_at == vis::StartAt::Image ? name : std::string();

  const vis::AscentParams before = params_;
  Tensor before_image = start_image_;
  params_ = next;
  start_image_ = image;
  if (has_target_) {
    const std::string problem = restart(std::string("start point: ") + start_kind_name(start.kind) + ", a new run");
    if (!problem.empty()) {
      params_ = before;
      start_image_ = before_image;
      refuse(std::string("start from ") + start_kind_name(start.kind) + ": " + problem);
      return;
    }
  }
  start_kind_ = start.kind;
  start_name_ = name;
  error_.clear();
}

void AscentSession::set_params(const vis::AscentParams& incoming) {
  vis::AscentParams next = incoming;
  // The target and the start point have commands of their own.
  next.push_layer = params_.push_layer;
  next.push_units = params_.push_units;
  next.push_y = params_.push_y;
  next.push_x = params_.push_x;
  next.start_at = params_.start_at;
  next.start_image = params_.start_image;
  vis::AscentParams checked = next;
  if (checked.push_units.empty()) checked.push_units = {0};  // no target yet: check the rest
  if (const std::string problem = vis::validate(checked); !problem.empty()) {
    refuse("parameters: " + problem);
    return;
  }
  error_.clear();
  if (!run_) {
    params_ = next;
    return;
  }
  const std::vector<std::string> why = needs_new_run(run_->params(), next);
  if (why.empty() && state_ == AscentState::Finished) {
    params_ = next;  // nothing left to step: Run starts over with them
    message_ = "the run is finished; Run starts over with the new parameters";
    return;
  }
  if (why.empty()) {
    const vis::AscentParams before = run_->params();
    try {
      run_->update_params(next);
    } catch (const Error& e) {
      refuse(std::string("parameters: ") + e.what());
      return;
    }
    params_ = next;
    const nlohmann::json diff = changed_params(before, run_->params());
    if (run_->iteration() > 0 && !diff.empty()) {
      live_changes_.push_back({{"from_ii", run_->iteration()}, {"params", diff}});
    }
    if (run_->finished()) state_ = AscentState::Finished;  // fewer iterations than already done
    return;
  }
  const vis::AscentParams before = params_;
  params_ = next;
  const std::string reason = "restarted: " + join(why, 0, why.size(), ", ") + " changed (needs a new run)";
  if (const std::string problem = restart(reason); !problem.empty()) {
    params_ = before;
    refuse("parameters: " + problem);
  }
}

void AscentSession::apply_preset(int number) {
  vis::AscentParams table;
  try {
    table = vis::preset(number);
  } catch (const Error& e) {
    refuse(e.what());
    return;
  }
  vis::AscentParams next = params_;
  next.decay = table.decay;
  next.blur_radius = table.blur_radius;
  next.blur_every = table.blur_every;
  next.small_val_percentile = table.small_val_percentile;
  next.small_norm_percentile = table.small_norm_percentile;
  next.px_benefit_percentile = table.px_benefit_percentile;
  next.px_abs_benefit_percentile = table.px_abs_benefit_percentile;
  next.lr_policy = table.lr_policy;
  next.lr = table.lr;
  next.max_lr = table.max_lr;
  next.desired_prog = table.desired_prog;
  next.early_prog = table.early_prog;
  next.late_prog_mult = table.late_prog_mult;
  next.max_iter = table.max_iter;
  vis::AscentParams checked = next;
  if (checked.push_units.empty()) checked.push_units = {0};
  if (const std::string problem = vis::validate(checked); !problem.empty()) {
    refuse("preset " + std::to_string(number) + ": " + problem);
    return;
  }
  const vis::AscentParams before = params_;
  params_ = next;
  const std::string what = "preset " + std::to_string(number);
  if (!has_target_) {
    message_ = what + " set";
    error_.clear();
    return;
  }
  if (const std::string problem = restart(what + ": a new run from the start point"); !problem.empty()) {
    params_ = before;
    refuse(what + ": " + problem);
    return;
  }
  error_.clear();
}

void AscentSession::run() {
  if (!run_) {
    refuse("cannot run: no target; select a unit or type layer:unit");
    return;
  }
  if (state_ == AscentState::Finished) {
    if (const std::string problem = restart("started over"); !problem.empty()) {
      refuse("cannot run: " + problem);
      return;
    }
  }
  if (state_ != AscentState::Running) {
    window_steps_ = 0;
    window_start_ = Clock::now();
    rate_ = 0.0;
    run_steps_ = 0;
    run_start_ = window_start_;
  }
  state_ = AscentState::Running;
}

void AscentSession::after_step() {
  if (run_->finished()) {
    state_ = AscentState::Finished;
    end_run();
  }
}

// A run that pauses or finishes keeps its average rate for the panel.
void AscentSession::end_run() {
  const double seconds = seconds_since(run_start_);
  if (run_steps_ > 0 && seconds > 0.0) last_run_rate_ = run_steps_ / seconds;
}

void AscentSession::step_once() {
  if (!run_) {
    refuse("cannot step: no target; select a unit or type layer:unit");
    return;
  }
  if (state_ == AscentState::Finished) {
    refuse("cannot step: the run is finished; Reset or Run to start over");
    return;
  }
  const auto t0 = Clock::now();
  run_->step();
  run_seconds_ += seconds_since(t0);
  state_ = AscentState::Paused;
  after_step();
}

void AscentSession::reset() {
  if (!run_) {
    refuse("cannot reset: no target; select a unit or type layer:unit");
    return;
  }
  state_ = AscentState::Idle;
  if (const std::string problem = restart(""); !problem.empty()) refuse("cannot reset: " + problem);
}

int AscentSession::advance(int max_steps, double budget_s) {
  if (state_ != AscentState::Running || !run_) return 0;
  const auto t0 = Clock::now();
  int done = 0;
  while (state_ == AscentState::Running && done < max_steps) {
    const auto s0 = Clock::now();
    run_->step();
    run_seconds_ += seconds_since(s0);
    ++done;
    ++run_steps_;
    after_step();
    if (seconds_since(t0) >= budget_s) break;
  }
  window_steps_ += done;
  // The rate the user sees: steps over wall time while running, everything between steps (snapshots, commands)
  // included, over windows of about a second.
  const double window = seconds_since(window_start_);
  if (window >= 1.0) {
    rate_ = window_steps_ / window;
    window_steps_ = 0;
    window_start_ = Clock::now();
  } else if (rate_ == 0.0 && window > 0.0) {
    rate_ = window_steps_ / window;
  }
  return done;
}

void AscentSession::save(const std::string& prefix) {
  if (!run_ || run_->record(0).best_ii < 0) {
    refuse("nothing to save yet: run at least one step");
    return;
  }
  if (prefix.empty()) {
    refuse("cannot save: no file prefix given");
    return;
  }
  try {
    const std::filesystem::path parent = std::filesystem::path(prefix).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
  } catch (const std::filesystem::filesystem_error& e) {
    refuse(std::string("cannot save: ") + e.what());
    return;
  }
  nlohmann::json extra = {{"model", model_path_}, {"seconds", run_seconds_}};
  if (!live_changes_.empty()) extra["live_changes"] = live_changes_;
  try {
    saved_files_ =
        vis::write_unit_outputs(prefix, run_->params(), space_, run_->record(0), model_->preprocess.bgr, false, extra);
  } catch (const Error& e) {
    refuse(std::string("cannot save: ") + e.what());
    return;
  }
  message_ = "saved " + saved_files_.front() + " and " + std::to_string(saved_files_.size() - 1) + " more";
  error_.clear();
}

std::shared_ptr<AscentSnapshot> AscentSession::snapshot() {
  auto s = std::make_shared<AscentSnapshot>();
  s->sequence = ++sequence_;
  s->commands_applied = commands_applied_;
  s->has_model = model_ != nullptr;
  s->model_path = model_path_;
  s->model_stem = std::filesystem::path(model_path_).stem().string();
  s->has_target = has_target_;
  if (has_target_) {
    s->layer = params_.push_layer;
    s->unit = params_.push_units.front();
    s->target = s->layer + ":" + std::to_string(s->unit);
    if (params_.push_y) s->target += ":" + std::to_string(*params_.push_y) + ":" + std::to_string(*params_.push_x);
  }
  s->state = state_;
  s->params = params_;
  s->start = start_kind_;
  s->start_name = start_name_;
  if (run_) {
    s->iteration = run_->iteration();
    s->max_iter = run_->params().max_iter;
    const Tensor& x = run_->x();
    const Tensor x0 = x.reshaped({x.dim(1), x.dim(2), x.dim(3)});  // element 0: the session runs one unit
    s->image_rgb = to_rgb(vis::display_xpm(x0, space_, model_->preprocess.bgr));
    s->x_rgb = to_rgb(vis::display_x(x0, model_->preprocess.bgr));
    s->pixel_histogram.assign(32, 0.0f);
    const cv::Mat& pixels = s->image_rgb;
    for (int y = 0; y < pixels.rows; ++y) {
      const uint8_t* row = pixels.ptr<uint8_t>(y);
      for (int i = 0; i < pixels.cols * pixels.channels(); ++i) s->pixel_histogram[row[i] / 8] += 1.0f;
    }
    const vis::UnitRecord& r = run_->record(0);
    s->objective.assign(r.obj.begin(), r.obj.end());
    if (!r.idxmax.empty()) {
      s->argmax = r.idxmax.back();
      const auto* labels = model_->labels();
      const Dims& out = model_->net->blob_dims(run_->target_blob());
      if (labels && out.size() >= 2 && out[1] == static_cast<int64_t>(labels->size()) && *s->argmax >= 0 &&
          *s->argmax < out[1]) {
        s->argmax_label = (*labels)[static_cast<size_t>(*s->argmax)];
      }
    }
    s->majority_ii = r.majority_ii;
    s->best_ii = r.best_ii;
    s->best_obj = r.best_ii >= 0 ? r.best_obj : 0.0;
    s->failure = r.failure;
  }
  s->steps_per_second = state_ == AscentState::Running ? rate_ : last_run_rate_;
  if (state_ == AscentState::Running && rate_ > 0.0) s->eta_seconds = (s->max_iter - s->iteration) / rate_;
  s->message = message_;
  s->error = error_;
  s->error_count = error_count_;
  s->saved_files = saved_files_;
  return s;
}

}  // namespace deepvis::app
