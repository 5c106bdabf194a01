// The optimization panel's session, driven through its commands on the embedded Fashion-MNIST model. The oracle
// is the loop `deepvis optimize` runs (vis::AscentRun on a Net loaded on its own, stepped by hand, with
// update_params where the session got a slider change), and the built binary itself for the CLI comparison.
#include "app/ascent/ascent_session.hpp"
#include "app/ascent/ascent_worker.hpp"
#include "app/commands/model_flags.hpp"
#include "compute/vis/ascent.hpp"
#include "compute/vis/ascent_params.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace deepvis;
using namespace deepvis::app;
using deepvis::test::deepvis_binary;
using deepvis::test::run_process;
using deepvis::test::TempDir;

namespace {

const std::string kModel = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";
const std::string kLogits = "logits";              // 10 logits
const std::string kConv = "/relu2/Relu_output_0";  // 32 channels of 14 x 14

// Preset 4 (the one that reaches majority success on this small model), shortened so tests stay quick.
vis::AscentParams short_preset4(int iterations) {
  vis::AscentParams p = vis::preset(4);
  p.max_iter = iterations;
  return p;
}

std::unique_ptr<AscentSession> loaded_session() {
  auto s = std::make_unique<AscentSession>();
  s->apply(LoadAscentModel{kModel, {}});
  REQUIRE_MESSAGE(s->error().empty(), s->error());
  return s;
}

// The CLI's loop on a Net of its own, loaded the way the CLI loads it.
struct Oracle {
  LoadedModel model;
  vis::PixelSpace space;
  std::unique_ptr<vis::AscentRun> run;

  Oracle(const std::string& layer, int64_t unit, vis::AscentParams p, const Tensor* start = nullptr) {
    ModelFlags flags;
    flags.model = kModel;
    flags.json = true;
    model = load_net(flags, 1);
    space = vis::pixel_space(model.preprocess, model.net->input_dims().at(1));
    p.push_layer = layer;
    p.push_units = {unit};
    run = std::make_unique<vis::AscentRun>(*model.net, p, space, start);
  }
  void steps(int n) {
    for (int i = 0; i < n; ++i) run->step();
  }
};

std::vector<float> values(const Tensor& t) {
  return std::vector<float>(t.data(), t.data() + t.numel());
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), path);
  return nlohmann::json::parse(in);
}

// Waits (up to a minute) for the worker's snapshot to satisfy `done`.
std::shared_ptr<const AscentSnapshot> wait_for(const AscentWorker& w,
                                               const std::function<bool(const AscentSnapshot&)>& done) {
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    auto s = w.latest();
    if (s->commands_applied >= w.posted() && done(*s)) return s;
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60), "worker timed out: ", s->error);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// A 28 x 28 gray ramp: at the model's size, so preprocessing only maps values, and x = v - mean/scale exactly.
cv::Mat ramp_rgb() {
  cv::Mat rgb(28, 28, CV_8UC3);
  for (int y = 0; y < 28; ++y) {
    for (int x = 0; x < 28; ++x) {
      const auto v = static_cast<uint8_t>((x * 9 + y * 3) % 256);
      rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(v, v, v);
    }
  }
  return rgb;
}

}  // namespace

TEST_CASE("ascent session: run, pause, step and reset follow the state machine") {
  auto s = loaded_session();
  CHECK(s->state() == AscentState::Idle);
  s->apply(RunAscent{});  // no target yet
  CHECK(s->error().find("no target") != std::string::npos);
  CHECK(s->state() == AscentState::Idle);

  const vis::AscentParams p = short_preset4(12);
  s->apply(SetAscentParams{p});
  s->apply(SetAscentTargetText{"logits:3"});
  REQUIRE_MESSAGE(s->error().empty(), s->error());
  CHECK(s->state() == AscentState::Idle);
  CHECK(s->iteration() == 0);
  Oracle oracle(kLogits, 3, p);
  const std::vector<float> x_start = values(oracle.run->x());
  CHECK(values(s->ascent_run()->x()) == x_start);

  s->apply(RunAscent{});
  CHECK(s->state() == AscentState::Running);
  CHECK(s->advance(5, 1e9) == 5);
  CHECK(s->iteration() == 5);

  s->apply(PauseAscent{});
  CHECK(s->state() == AscentState::Paused);
  CHECK(s->advance(5, 1e9) == 0);  // paused: the iteration stops advancing
  CHECK(s->iteration() == 5);

  s->apply(StepAscent{});
  CHECK(s->iteration() == 6);  // exactly one
  CHECK(s->state() == AscentState::Paused);
  oracle.steps(6);
  CHECK(values(s->ascent_run()->x()) == values(oracle.run->x()));
  CHECK(s->ascent_run()->record(0).obj == oracle.run->record(0).obj);

  const auto snap = s->snapshot();
  CHECK(snap->iteration == 6);
  CHECK(snap->objective.size() == 6);
  CHECK(snap->objective.back() == static_cast<float>(oracle.run->record(0).obj.back()));
  REQUIRE(snap->argmax.has_value());
  CHECK(*snap->argmax == oracle.run->record(0).idxmax.back());
  CHECK(snap->image_rgb.rows == 28);
  CHECK(snap->image_rgb.cols == 28);
  CHECK(snap->image_rgb.type() == CV_8UC3);

  s->apply(ResetAscent{});
  CHECK(s->state() == AscentState::Idle);
  CHECK(s->iteration() == 0);
  CHECK(values(s->ascent_run()->x()) == x_start);  // back to the start point
  CHECK(s->snapshot()->objective.empty());

  s->apply(RunAscent{});
  while (s->advance(100, 1e9) > 0) {
  }
  CHECK(s->state() == AscentState::Finished);
  CHECK(s->iteration() == 12);
  s->apply(StepAscent{});
  CHECK(s->error().find("finished") != std::string::npos);
  CHECK(s->iteration() == 12);
  s->apply(RunAscent{});  // a finished run starts over
  CHECK(s->state() == AscentState::Running);
  CHECK(s->iteration() == 0);
}

TEST_CASE("ascent session: a slider change mid-run applies from the next step without a restart") {
  TempDir dir;
  auto s = loaded_session();
  const vis::AscentParams p = short_preset4(24);
  s->apply(SetAscentParams{p});
  s->apply(SetAscentTarget{kLogits, 7, {}, {}});
  s->apply(RunAscent{});
  REQUIRE(s->advance(10, 1e9) == 10);

  vis::AscentParams changed = p;
  changed.decay = 0.05;
  changed.blur_radius = 1.0;
  changed.blur_every = 1;
  changed.small_norm_percentile = 30;
  s->apply(SetAscentParams{changed});
  REQUIRE_MESSAGE(s->error().empty(), s->error());
  CHECK(s->iteration() == 10);  // no restart
  CHECK(s->state() == AscentState::Running);
  REQUIRE(s->advance(10, 1e9) == 10);

  Oracle with_change(kLogits, 7, p);
  with_change.steps(10);
  with_change.run->update_params(changed);
  with_change.steps(10);
  Oracle without(kLogits, 7, p);
  without.steps(20);

  const auto& obj = s->ascent_run()->record(0).obj;
  CHECK(obj == with_change.run->record(0).obj);
  CHECK(values(s->ascent_run()->x()) == values(with_change.run->x()));
  // The change shows from the step right after it: obj[10] was measured before it, obj[11] after.
  for (int i = 0; i <= 10; ++i)
    CHECK(obj[static_cast<size_t>(i)] == without.run->record(0).obj[static_cast<size_t>(i)]);
  CHECK(obj[11] != without.run->record(0).obj[11]);

  s->apply(PauseAscent{});
  s->apply(SaveAscent{dir.path("live")});
  REQUIRE_MESSAGE(s->error().empty(), s->error());
  const auto info = read_json(dir.path("live_info.json"));
  REQUIRE(info.contains("live_changes"));
  REQUIRE(info["live_changes"].size() == 1);
  CHECK(info["live_changes"][0]["from_ii"] == 10);
  CHECK(info["live_changes"][0]["params"]["decay"] == 0.05);
  CHECK(info["live_changes"][0]["params"]["small_norm_percentile"] == 30.0);
  CHECK_FALSE(info["live_changes"][0]["params"].contains("lr_policy"));  // unchanged
  CHECK(info["params"]["decay"] == 0.05);
  CHECK(info["results"]["obj"].size() == 20);
}

TEST_CASE("ascent session: a change that needs a new run restarts from the start point and says so") {
  auto s = loaded_session();
  vis::AscentParams p = short_preset4(30);
  s->apply(SetAscentParams{p});
  s->apply(SetAscentTargetText{"logits:2"});
  s->apply(StepAscent{});
  s->apply(StepAscent{});
  REQUIRE(s->iteration() == 2);

  p.seed = 11;
  s->apply(SetAscentParams{p});
  CHECK(s->iteration() == 0);
  CHECK(s->state() == AscentState::Idle);  // it was paused
  CHECK(s->message().find("restarted") != std::string::npos);
  CHECK(s->message().find("seed") != std::string::npos);
  Oracle seeded(kLogits, 2, p);
  CHECK(values(s->ascent_run()->x()) == values(seeded.run->x()));

  // While running, a restart keeps running; more iterations than the run reserved need a new run too.
  s->apply(RunAscent{});
  REQUIRE(s->advance(3, 1e9) == 3);
  p.max_iter = 40;
  s->apply(SetAscentParams{p});
  CHECK(s->iteration() == 0);
  CHECK(s->state() == AscentState::Running);
  CHECK(s->message().find("iterations") != std::string::npos);
  CHECK(s->snapshot()->max_iter == 40);

  // Fewer iterations than already done: applied live, and the run is finished.
  REQUIRE(s->advance(5, 1e9) == 5);
  p.max_iter = 3;
  s->apply(SetAscentParams{p});
  CHECK(s->state() == AscentState::Finished);
  CHECK(s->iteration() == 5);

  // A refused value changes nothing.
  vis::AscentParams bad = p;
  bad.decay = 1.5;
  s->apply(SetAscentParams{bad});
  CHECK(s->error().find("decay") != std::string::npos);
  CHECK(s->params().decay == p.decay);
}

TEST_CASE("ascent session: a preset switch starts a new run with the paper's values and keeps the rest") {
  auto s = loaded_session();
  vis::AscentParams p;  // the CLI's defaults, plus a transform and a seed that the preset must keep
  p.jitter = 1;
  p.seed = 5;
  s->apply(SetAscentParams{p});
  s->apply(SetAscentTarget{kConv, 4, 3, 6});
  REQUIRE_MESSAGE(s->error().empty(), s->error());
  s->apply(RunAscent{});
  REQUIRE(s->advance(4, 1e9) == 4);

  s->apply(ApplyAscentPreset{2});
  REQUIRE_MESSAGE(s->error().empty(), s->error());
  CHECK(s->iteration() == 0);
  CHECK(s->state() == AscentState::Running);
  CHECK(s->message().find("preset 2") != std::string::npos);
  const vis::AscentParams& q = s->params();
  CHECK(q.decay == 0.3);  // Table 1, row 2
  CHECK(q.blur_radius == 0.0);
  CHECK(q.small_norm_percentile == 20.0);
  CHECK(q.lr_policy == vis::LrPolicy::Constant);
  CHECK(q.lr == 100.0);
  CHECK(q.max_iter == 750);
  CHECK(q.jitter == 1);
  CHECK(q.seed == 5);
  CHECK(q.push_layer == kConv);
  REQUIRE(q.push_y.has_value());
  CHECK(*q.push_y == 3);

  REQUIRE(s->advance(3, 1e9) == 3);
  vis::AscentParams expected = vis::preset(2);
  expected.jitter = 1;
  expected.seed = 5;
  expected.push_y = 3;
  expected.push_x = 6;
  Oracle oracle(kConv, 4, expected);
  oracle.steps(3);
  CHECK(s->ascent_run()->record(0).obj == oracle.run->record(0).obj);
  CHECK(values(s->ascent_run()->x()) == values(oracle.run->x()));

  s->apply(ApplyAscentPreset{5});
  CHECK(s->error().find("1 to 4") != std::string::npos);
  CHECK(s->iteration() == 3);
  CHECK(s->params().max_iter == 750);
}

TEST_CASE("ascent session: a bad typed target gives a clear message and keeps the previous state") {
  auto s = loaded_session();
  s->apply(SetAscentParams{short_preset4(50)});
  s->apply(SetAscentTargetText{"logits:3"});
  for (int i = 0; i < 4; ++i) s->apply(StepAscent{});
  const std::vector<float> x = values(s->ascent_run()->x());
  const auto obj = s->ascent_run()->record(0).obj;
  uint64_t errors = s->snapshot()->error_count;

  auto kept = [&] {
    const auto snap = s->snapshot();
    CHECK(snap->target == "logits:3");
    CHECK(snap->state == AscentState::Paused);
    CHECK(snap->iteration == 4);
    CHECK(values(s->ascent_run()->x()) == x);
    CHECK(s->ascent_run()->record(0).obj == obj);
    CHECK(snap->error_count == ++errors);
  };
  s->apply(SetAscentTargetText{"nolayer:3"});
  CHECK(s->error().find("'nolayer:3'") != std::string::npos);
  CHECK(s->error().find("nolayer") != s->error().rfind("nolayer"));  // the target, then the net's message naming it
  kept();
  s->apply(SetAscentTargetText{"logits:10"});
  CHECK(s->error().find("units 0-9, not 10") != std::string::npos);
  kept();
  s->apply(SetAscentTargetText{"logits:-1"});
  CHECK(s->error().find("not -1") != std::string::npos);
  kept();
  s->apply(SetAscentTargetText{"logits"});
  CHECK(s->error().find("expected layer:unit") != std::string::npos);
  kept();
  s->apply(SetAscentTargetText{kConv + ":3:14:0"});  // 14 x 14: rows 0-13
  CHECK(s->error().find("no position 14:0") != std::string::npos);
  kept();
  s->apply(SetAscentTargetText{"logits:3:1:1"});  // a fully connected layer has no positions
  CHECK(s->error().find("no position") != std::string::npos);
  kept();

  // Good ones: a position on a conv layer, and the stable id form model/layer:unit.
  s->apply(SetAscentTargetText{" " + kConv + ":5:2:9 "});
  REQUIRE_MESSAGE(s->error().empty(), s->error());
  CHECK(s->snapshot()->target == kConv + ":5:2:9");
  CHECK(s->iteration() == 0);
  s->apply(SetAscentTargetText{"fashion_mnist/logits:8"});
  REQUIRE_MESSAGE(s->error().empty(), s->error());
  CHECK(s->snapshot()->target == "logits:8");
}

TEST_CASE("ascent session: start points mean, input frame and file start where they should") {
  TempDir dir;
  auto s = loaded_session();
  s->apply(SetAscentTargetText{"logits:1"});
  s->apply(SetAscentStart{StartKind::Mean, {}, {}, {}});
  for (float v : values(s->ascent_run()->x())) CHECK(v == 0.0f);

  // The card: p * (1/255) - 0.28604 over 0.353024, so x = p - 0.28604 * 255 for a 28 x 28 gray image.
  const cv::Mat rgb = ramp_rgb();
  auto check_ramp = [&] {
    const std::vector<float> x = values(s->ascent_run()->x());
    REQUIRE(x.size() == 28u * 28u);
    for (int i = 0; i < 28 * 28; ++i) {
      const double p = rgb.at<cv::Vec3b>(i / 28, i % 28)[0];
      CHECK(std::abs(x[static_cast<size_t>(i)] - (p - 0.28604 * 255.0)) < 1e-3);
    }
  };
  s->apply(SetAscentStart{StartKind::Frame, {}, rgb, "ramp"});
  REQUIRE_MESSAGE(s->error().empty(), s->error());
  CHECK(s->snapshot()->start == StartKind::Frame);
  check_ramp();

  s->apply(SetAscentStart{StartKind::Mean, {}, {}, {}});
  const std::string file = dir.path("ramp.png");
  REQUIRE(cv::imwrite(file, rgb));
  s->apply(SetAscentStart{StartKind::File, file, {}, {}});
  REQUIRE_MESSAGE(s->error().empty(), s->error());
  check_ramp();
  CHECK(s->params().start_image == file);

  // A missing file is named, and the start stays.
  s->apply(SetAscentStart{StartKind::File, dir.path("missing.png"), {}, {}});
  CHECK(s->error().find("missing.png") != std::string::npos);
  CHECK(s->snapshot()->start == StartKind::File);
  check_ramp();
  s->apply(SetAscentStart{StartKind::Frame, {}, cv::Mat(), ""});
  CHECK(s->error().find("no input frame") != std::string::npos);
}

TEST_CASE("ascent session: the worker runs in the background and pause stops the iteration") {
  AscentWorker w;
  w.post(LoadAscentModel{kModel, {}});
  w.post(SetAscentParams{short_preset4(100000)});
  w.post(SetAscentTargetText{"logits:4"});
  w.post(RunAscent{});
  const auto running = wait_for(w, [](const AscentSnapshot& a) { return a.iteration >= 5; });
  CHECK(running->state == AscentState::Running);
  CHECK(running->error.empty());
  CHECK(running->image_rgb.cols == 28);

  w.post(PauseAscent{});
  const auto paused = wait_for(w, [](const AscentSnapshot& a) { return a.state == AscentState::Paused; });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(w.latest()->iteration == paused->iteration);
  w.post(StepAscent{});
  const auto stepped = wait_for(w, [](const AscentSnapshot&) { return true; });
  CHECK(stepped->iteration == paused->iteration + 1);
  CHECK(stepped->objective.size() == static_cast<size_t>(stepped->iteration));
}

TEST_CASE("ascent session: the live loop and the CLI loop give the same result for the same parameters and seed") {
  TempDir dir;
  const auto cli = run_process({deepvis_binary(), "optimize", "--model", kModel, "--layer", kLogits, "--unit", "6",
                                "--preset", "4", "--max-iter", "40", "--seed", "7", "--out", dir.path("cli")});
  REQUIRE_MESSAGE(cli.exit_code == 0, cli.output);

  AscentWorker w;
  vis::AscentParams p = short_preset4(40);
  p.seed = 7;
  w.post(LoadAscentModel{kModel, {}});
  w.post(SetAscentParams{p});
  w.post(SetAscentTargetText{"logits:6"});
  w.post(RunAscent{});
  const auto done = wait_for(w, [](const AscentSnapshot& a) { return a.state == AscentState::Finished; });
  CHECK(done->iteration == 40);
  w.post(SaveAscent{dir.path("gui/run")});  // the folder is made
  const auto saved = wait_for(w, [](const AscentSnapshot&) { return true; });
  REQUIRE_MESSAGE(saved->error.empty(), saved->error);
  REQUIRE(saved->saved_files.size() == 3);

  const auto a = read_json(dir.path("cli_info.json"));
  const auto b = read_json(dir.path("gui/run_info.json"));
  CHECK(a["results"] == b["results"]);  // every recorded value, bit for bit
  CHECK(a["params"] == b["params"]);
  CHECK_FALSE(b.contains("live_changes"));
  CHECK(b["results"]["obj"].size() == 40);
  // The live trajectory the panel plotted is the same one.
  REQUIRE(done->objective.size() == 40);
  for (size_t i = 0; i < 40; ++i) CHECK(done->objective[i] == static_cast<float>(a["results"]["obj"][i].get<double>()));
  for (const char* png : {"_best_X.png", "_best_Xpm.png"}) {
    const cv::Mat ca = cv::imread(dir.path(std::string("cli") + png), cv::IMREAD_UNCHANGED);
    const cv::Mat cb = cv::imread(dir.path(std::string("gui/run") + png), cv::IMREAD_UNCHANGED);
    REQUIRE_FALSE(ca.empty());
    REQUIRE(ca.size() == cb.size());
    CHECK(cv::norm(ca, cb, cv::NORM_INF) == 0.0);
  }
}

TEST_CASE("ascent session: steps per second of the live loop against the CLI's and a plain loop (printed)") {
  const int n = 200;
  const vis::AscentParams p = short_preset4(n);
  auto seconds_since = [](std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };

  // The live loop: the worker, publishing a snapshot (images converted) about every 1/60 s.
  AscentWorker w;
  w.post(LoadAscentModel{kModel, {}});
  w.post(SetAscentParams{p});
  w.post(SetAscentTargetText{"logits:0"});
  wait_for(w, [](const AscentSnapshot& a) { return a.has_target; });
  const auto t1 = std::chrono::steady_clock::now();
  w.post(RunAscent{});
  const auto done = wait_for(w, [](const AscentSnapshot& a) { return a.state == AscentState::Finished; });
  const double live_rate = n / seconds_since(t1);
  CHECK(done->iteration == n);

  // The same steps without snapshots, also on a thread other than main (OpenMP teams differ per thread).
  double plain_rate = 0.0;
  std::thread([&] {
    Oracle plain(kLogits, 0, p);
    plain.steps(5);  // warm
    const auto t0 = std::chrono::steady_clock::now();
    plain.steps(n - 5);
    plain_rate = (n - 5) / seconds_since(t0);
  }).join();

  // The CLI's own rate, as it prints it.
  TempDir dir;
  const auto cli = run_process({deepvis_binary(), "optimize", "--model", kModel, "--layer", kLogits, "--unit", "0",
                                "--preset", "4", "--max-iter", std::to_string(n), "--out", dir.path("cli")});
  REQUIRE_MESSAGE(cli.exit_code == 0, cli.output);
  // "N iterations x U units in T s (R it/s) on the ..."; a changed format must fail here, not print a 0.
  const auto at = cli.output.rfind(" s (");
  REQUIRE_MESSAGE(at != std::string::npos, "no rate in the CLI's output:\n" << cli.output);
  char* end = nullptr;
  const double cli_rate = std::strtod(cli.output.c_str() + at + 4, &end);
  REQUIRE_MESSAGE(std::string(end).rfind(" it/s)", 0) == 0, "the CLI's rate is not followed by ' it/s)': " << end);
  // Rates are reported, not asserted against each other (timing on a shared 2-core machine is not a test); each
  // must be a real measurement.
  CHECK(cli_rate > 0.0);
  CHECK(live_rate > 0.0);
  CHECK(plain_rate > 0.0);
  MESSAGE("steps/s on fashion_mnist logits, preset 4: live worker " << live_rate << ", plain loop on a thread "
                                                                    << plain_rate << ", CLI " << cli_rate);
}

TEST_CASE("ascent session: the panel's rate, ETA and pixel histogram: the last run's average once it ends, not 0") {
  auto s = loaded_session();
  s->apply(SetAscentParams{short_preset4(30)});
  s->apply(SetAscentTargetText{"logits:3"});
  REQUIRE_MESSAGE(s->error().empty(), s->error());
  s->apply(RunAscent{});
  CHECK(s->advance(5, 1e9) == 5);
  auto running = s->snapshot();
  CHECK(running->steps_per_second > 0.0);
  // The ETA is the steps left at that rate.
  CHECK(running->eta_seconds == doctest::Approx(25.0 / running->steps_per_second));
  // The histogram counts every pixel of every channel of the 28 x 28 image once, in 32 bins of 8 levels.
  REQUIRE(running->pixel_histogram.size() == 32);
  double total = 0.0, expected_bin = 0.0;
  for (float c : running->pixel_histogram) total += c;
  CHECK(total == 28.0 * 28.0 * 3.0);  // the RGB image of a gray model
  const int level = running->image_rgb.at<cv::Vec3b>(0, 0)[0];
  for (int y = 0; y < 28; ++y) {
    for (int x = 0; x < 28; ++x) {
      for (int c = 0; c < 3; ++c) expected_bin += running->image_rgb.at<cv::Vec3b>(y, x)[c] / 8 == level / 8 ? 1 : 0;
    }
  }
  CHECK(running->pixel_histogram[static_cast<size_t>(level / 8)] == expected_bin);
  while (s->advance(100, 1e9) > 0) {
  }
  auto finished = s->snapshot();
  CHECK(finished->state == AscentState::Finished);
  CHECK(finished->steps_per_second > 0.0);  // the run's average, where it used to say 0.0
  CHECK(finished->eta_seconds == 0.0);
  s->apply(RunAscent{});  // starts over
  s->advance(3, 1e9);
  s->apply(PauseAscent{});
  CHECK(s->snapshot()->steps_per_second > 0.0);  // paused: the average of the 3 steps
}
