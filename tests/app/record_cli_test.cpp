// `deepvis record` and `deepvis optimize --video` end to end: the videos are decoded with OpenCV and compared
// with frames written independently (the record command's --dump-frames PNGs, the grid `deepvis render` draws for
// the same input frame, the optimizer's --snapshot-every PNGs), within codec tolerance. Also: a recording killed
// mid-way still decodes (MJPG in AVI), and bad arguments give the documented exit codes.
#include "app/record/pane_compositor.hpp"
#include "tests/support/process.hpp"
#include "tests/support/video_check.hpp"

#include <doctest/doctest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

using namespace deepvis;
using deepvis::test::deepvis_binary;
using deepvis::test::run_process;
using deepvis::test::TempDir;

namespace {

const std::string kSource = DEEPVIS_SOURCE_DIR;
const std::string kModel = kSource + "/models/fashion_mnist/fashion_mnist.onnx";
const std::string kLayer = "/conv1/Conv";

// A test video from the sample photos (or drawn patterns when they are missing): `count` frames of 160x120, the
// photo changing every 30 frames and sliding 3 px per frame in between, so neighbours are alike and frames 30
// apart are not.
void make_video(const std::string& path, int count) {
  std::vector<cv::Mat> photos;
  for (const char* name : {"astronaut.png", "chelsea.png", "coffee.png", "grace_hopper.jpg"}) {
    cv::Mat p = cv::imread(kSource + "/samples/photos/" + name);
    if (p.empty()) {
      p = cv::Mat(240, 320, CV_8UC3);
      cv::randu(p, cv::Scalar::all(0), cv::Scalar::all(255));
      cv::GaussianBlur(p, p, cv::Size(31, 31), 8);
    }
    cv::resize(p, p, cv::Size(320, 240), 0, 0, cv::INTER_AREA);
    photos.push_back(p);
  }
  cv::VideoWriter writer(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 30.0, cv::Size(160, 120));
  REQUIRE(writer.isOpened());
  for (int k = 0; k < count; ++k) {
    const cv::Mat& p = photos[static_cast<size_t>((k / 30) % 4)];
    const int shift = (k % 30) * 3;
    cv::Mat frame;
    cv::resize(p(cv::Rect(shift, shift / 2, 200, 150)), frame, cv::Size(160, 120), 0, 0, cv::INTER_AREA);
    writer.write(frame);
  }
  writer.release();
}

std::string existing(const std::string& a, const std::string& b) {
  return std::filesystem::exists(a) ? a : b;
}

int count_files(const std::string& folder) {
  std::error_code ec;
  int n = 0;
  for (auto it = std::filesystem::directory_iterator(folder, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    ++n;
  }
  return n;
}

// Starts `deepvis record` as a child, kills it with SIGKILL once it has dumped `frames` frames, and returns
// whether it was still running then (so the kill interrupted it).
bool record_and_kill(const std::vector<std::string>& args, const std::string& dump, int frames) {
  std::vector<std::string> argv = {deepvis_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  int status = 0;
  bool exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    if (count_files(dump) >= frames) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  return !exited && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

}  // namespace

TEST_CASE("record: deepvis record renders 120 frames headless, one per input frame, matching direct renders") {
  TempDir dir;
  const std::string input = dir.path("in.avi");
  make_video(input, 120);
  const auto r =
      run_process({deepvis_binary(), "record", "--model", kModel, "--input", input, "--layer", kLayer, "--unit", "3",
                   "--mode", "guided", "--out", dir.path("out.mp4"), "--dump-frames", dir.path("dump")});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("record: frame 120/120") != std::string::npos);  // the progress line
  CHECK(r.output.find("panes input,grid,unit,backward") != std::string::npos);
  const std::string video = existing(dir.path("out.mp4"), dir.path("out.avi"));
  CHECK(r.output.find("wrote " + video + ": 120 frames") != std::string::npos);
  MESSAGE(r.output.substr(r.output.find("wrote")));

  const std::vector<cv::Mat> decoded = test::decode_video(video);
  REQUIRE(decoded.size() == 120);
  REQUIRE(count_files(dir.path("dump")) == 120);
  std::vector<cv::Mat> dumped;
  for (int k = 0; k < 120; ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "/frame_%05d.png", k);
    dumped.push_back(cv::imread(dir.path("dump") + name));
    REQUIRE(!dumped.back().empty());
  }
  CHECK(dumped[0].rows == 240);  // the default pane height
  double worst = 0.0;
  double closest_other = 1e9;
  for (int k = 0; k < 120; ++k) {
    REQUIRE(decoded[static_cast<size_t>(k)].size() == dumped[0].size());
    worst = std::max(worst, test::mean_abs_diff(decoded[static_cast<size_t>(k)], dumped[static_cast<size_t>(k)]));
    // The frame 30 later shows another photo: a video off by that much (or shuffled) must fail.
    closest_other = std::min(closest_other, test::mean_abs_diff(decoded[static_cast<size_t>(k)],
                                                                dumped[static_cast<size_t>((k + 30) % 120)]));
  }
  MESSAGE("mean abs diff, decoded vs its own frame: worst " << worst << "; vs a frame 30 away: at least "
                                                            << closest_other);
  // H.264 at OpenCV's fixed bitrate (4:2:0 chroma) costs about 5 levels on average; another frame costs 30+.
  CHECK(worst < 8.0);
  CHECK(closest_other > 3.0 * worst);
  CHECK(closest_other > 15.0);

  // The grid pane against `deepvis render` of the same input frame (another command, the render path).
  cv::VideoCapture source(input);
  std::vector<cv::Mat> inputs;
  for (cv::Mat f; source.read(f) && !f.empty();) inputs.push_back(f.clone());
  REQUIRE(inputs.size() == 120);
  for (int k : {0, 47, 119}) {
    const std::string png = dir.path("in_" + std::to_string(k) + ".png");
    REQUIRE(cv::imwrite(png, inputs[static_cast<size_t>(k)]));
    const auto g = run_process({deepvis_binary(), "render", "--model", kModel, "--input", png, "--layer", kLayer,
                                "--out", dir.path("grid.png")});
    REQUIRE_MESSAGE(g.exit_code == 0, g.output);
    cv::Mat grid = cv::imread(dir.path("grid.png"));
    REQUIRE(!grid.empty());
    const app::PaneLayout layout = app::layout_panes({cv::Size(160, 120), grid.size()}, 240, 4);
    const cv::Rect box = app::fit_inside(grid.size(), layout.boxes[1]);
    cv::Mat expected;
    cv::resize(grid, expected, box.size(), 0, 0, cv::INTER_NEAREST_EXACT);
    const double exact = test::mean_abs_diff(dumped[static_cast<size_t>(k)](box), expected);
    const double coded = test::mean_abs_diff(decoded[static_cast<size_t>(k)](box), expected);
    const double wrong = test::mean_abs_diff(dumped[static_cast<size_t>((k + 30) % 120)](box), expected);
    MESSAGE("frame " << k << " grid pane vs deepvis render: dumped " << exact << ", decoded " << coded
                     << ", a frame 30 away " << wrong);
    CHECK(exact < 1.0);
    CHECK(coded < 8.0);
    CHECK(wrong > 2.0 * coded);
  }
}

TEST_CASE("record: a recording killed with SIGKILL still decodes in the MJPG/AVI path") {
  TempDir dir;
  const std::string input = dir.path("long.avi");
  make_video(input, 600);
  const std::vector<std::string> common = {"record",  "--model", kModel,          "--input", input,
                                           "--layer", kLayer,    "--pane-height", "480"};
  std::vector<std::string> mjpg = common;
  mjpg.insert(mjpg.end(), {"--codec", "mjpg", "--out", dir.path("killed.avi"), "--dump-frames", dir.path("d1")});
  REQUIRE_MESSAGE(record_and_kill(mjpg, dir.path("d1"), 40), "the recording finished before it could be killed");
  const int dumped = count_files(dir.path("d1"));
  const size_t frames = test::decode_video(dir.path("killed.avi")).size();
  MESSAGE("MJPG/AVI killed after " << dumped << " rendered frames: " << frames << " frames decode");
  CHECK(frames >= 1);
  CHECK(frames <= static_cast<size_t>(dumped));

  // MP4 (H.264): the index (moov atom) is written only when the file is finalized; report what a kill leaves.
  std::vector<std::string> h264 = common;
  h264.insert(h264.end(), {"--codec", "h264", "--out", dir.path("killed.mp4"), "--dump-frames", dir.path("d2")});
  const bool killed = record_and_kill(h264, dir.path("d2"), 40);
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(dir.path("killed.mp4"), ec);
  MESSAGE("MP4/H.264 killed (" << std::string(killed ? "mid-way" : "not in time") << ") after "
                               << count_files(dir.path("d2")) << " rendered frames: file of " << (ec ? 0 : bytes)
                               << " bytes, " << test::decode_video(dir.path("killed.mp4")).size() << " frames decode");
}

TEST_CASE("record: deepvis record reports bad input, model, layer, unit, panes and output with their exit codes") {
  TempDir dir;
  const std::string input = dir.path("in.avi");
  make_video(input, 3);
  auto record = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = {deepvis_binary(), "record", "--model", kModel,           "--input", input,
                                     "--layer",        kLayer,   "--out",   dir.path("o.mp4")};
    for (size_t i = 0; i + 1 < extra.size(); i += 2) {
      const auto at = std::find(argv.begin(), argv.end(), extra[i]);
      if (at != argv.end()) {
        *(at + 1) = extra[i + 1];
      } else {
        argv.push_back(extra[i]);
        argv.push_back(extra[i + 1]);
      }
    }
    return run_process(argv);
  };
  auto missing = record({"--input", dir.path("nothere.avi")});
  CHECK(missing.exit_code == 4);
  CHECK(missing.output.find("nothere.avi") != std::string::npos);
  auto layer = record({"--layer", "no_such_layer"});
  CHECK(layer.exit_code == 2);
  CHECK(layer.output.find("no_such_layer") != std::string::npos);
  auto unit = record({"--unit", "5000"});
  CHECK(unit.exit_code == 2);
  CHECK(unit.output.find("5000") != std::string::npos);
  auto panes = record({"--panes", "input,histogram"});
  CHECK(panes.exit_code == 2);
  CHECK(panes.output.find("histogram") != std::string::npos);
  auto model = record({"--model", dir.path("nothere.onnx")});
  CHECK(model.exit_code == 3);
  CHECK(model.output.find("nothere.onnx") != std::string::npos);
  auto out = record({"--out", dir.path("no/folder/o.mp4")});
  CHECK(out.exit_code == 6);  // output cannot be written (app/exit_codes.hpp)
  CHECK(out.output.find("does not exist") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path("o.mp4")));
  // And the same arguments, fixed, work: 3 frames in, 3 out.
  auto ok = record({"--panes", "grid"});
  REQUIRE_MESSAGE(ok.exit_code == 0, ok.output);
  CHECK(test::decode_video(existing(dir.path("o.mp4"), dir.path("o.avi"))).size() == 3);
  // The extension the user typed is the container: .avi writes .avi (MJPG), never another file.
  auto avi = record({"--panes", "grid", "--out", dir.path("typed.avi")});
  REQUIRE_MESSAGE(avi.exit_code == 0, avi.output);
  CHECK(test::decode_video(dir.path("typed.avi")).size() == 3);
  CHECK_FALSE(std::filesystem::exists(dir.path("typed.mp4")));
  // Without --layer, the window's default layer (the card's first: /conv1/Conv, drawn as its output blob).
  std::vector<std::string> no_layer = {
      deepvis_binary(),       "record", "--model", kModel, "--input", input, "--panes", "grid", "--out",
      dir.path("default.avi")};
  auto defaulted = run_process(no_layer);
  REQUIRE_MESSAGE(defaulted.exit_code == 0, defaulted.output);
  CHECK(defaulted.output.find("layer /bn1/BatchNormalization_output_0") != std::string::npos);
  auto mkv = record({"--panes", "grid", "--out", dir.path("typed.mkv")});
  CHECK(mkv.exit_code == 6);
  CHECK(mkv.output.find(".mkv is not a container") != std::string::npos);
}

// The frames are H.264 (or MJPG) of small noisy 64x64 images, so each differs from its own snapshot by the codec's
// error (5-17 grey levels here), more than consecutive snapshots of one blur period differ from each other (< 0.01).
// So the checks are relative: every frame is nearest to its own snapshot among all the run's snapshots (ties
// within a blur period allowed), and the run moves: the first and last frames are clearly nearer their own
// snapshots than the other end's. Preset 1 from uniform noise blurs every 4 steps, so the image changes a lot.
TEST_CASE("record: deepvis optimize --video writes one frame per step, the images the snapshots save") {
  TempDir dir;
  const std::string model = kSource + "/tests/fixtures/torch/squeezenet1_1_64/model.onnx";
  const int steps = 10;
  for (int every : {1, 3}) {
    const std::string prefix = dir.path("opt" + std::to_string(every));
    const auto r = run_process({deepvis_binary(),
                                "optimize",
                                "--model",
                                model,
                                "--layer",
                                "/features/features.0/Conv_output_0",
                                "--unit",
                                "2",
                                "--preset",
                                "1",
                                "--start-at",
                                "randu",
                                "--max-iter",
                                std::to_string(steps),
                                "--snapshot-every",
                                "1",
                                "--out",
                                prefix,
                                "--video",
                                prefix + ".mp4",
                                "--video-every",
                                std::to_string(every)});
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    const std::string video = existing(prefix + ".mp4", prefix + ".avi");
    const std::vector<cv::Mat> frames = test::decode_video(video);
    // One snapshot per step that changed the image (the last of --max-iter only measures); a frame per `every`.
    std::vector<cv::Mat> snaps;
    for (int it = 1; it < steps; ++it) {
      char name[64];
      std::snprintf(name, sizeof name, "_unit0002_snap%05d.png", it);
      const cv::Mat snap = cv::imread(prefix + name);
      REQUIRE_MESSAGE(!snap.empty(), std::string(prefix + name));
      snaps.push_back(snap);
    }
    REQUIRE(frames.size() == snaps.size() / static_cast<size_t>(every));
    for (size_t i = 0; i < frames.size(); ++i) {
      const size_t own = (i + 1) * static_cast<size_t>(every) - 1;  // snapshot index of the frame's step
      REQUIRE(frames[i].size() == snaps[own].size());
      double nearest = 1e9;
      for (const cv::Mat& snap : snaps) nearest = std::min(nearest, test::mean_abs_diff(frames[i], snap));
      const double own_diff = test::mean_abs_diff(frames[i], snaps[own]);
      CHECK_MESSAGE(own_diff <= nearest + 0.5, "frame " << i << ": its own snapshot " << own << " at " << own_diff
                                                        << ", the nearest at " << nearest);
    }
    const double first_own = test::mean_abs_diff(frames.front(), snaps[static_cast<size_t>(every) - 1]);
    const double first_to_last = test::mean_abs_diff(frames.front(), snaps.back());
    const double last_own = test::mean_abs_diff(frames.back(), snaps[frames.size() * every - 1]);
    const double last_to_first = test::mean_abs_diff(frames.back(), snaps.front());
    CHECK_MESSAGE(first_to_last > first_own + 5.0,
                  "first frame: own " << first_own << ", last snapshot " << first_to_last);
    CHECK_MESSAGE(last_to_first > last_own + 5.0,
                  "last frame: own " << last_own << ", first snapshot " << last_to_first);
  }
}
