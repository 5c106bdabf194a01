// Recording one panel instead of the whole window (R with a panel chosen in the Record menu): the choice goes
// through the command layer, the panels report their rectangles, and under the headless EGL context the frame
// loop's recording step reads back only that rectangle. Frames are painted as whole images straight into the
// offscreen framebuffer's texture, so the pixels the video must hold are known independently of any GL read.
#include "app/gui/apply_commands.hpp"
#include "app/gui/gui_recording.hpp"
#include "app/panels/panels.hpp"
#include "app/record/record_target.hpp"
#include "app/record/window_recorder.hpp"
#include "app/ui/key_bindings.hpp"
#include "compute/core/error.hpp"
#include "render/async_readback.hpp"
#include "render/egl_context.hpp"
#include "tests/support/process.hpp"
#include "tests/support/video_check.hpp"

#include <doctest/doctest.h>
#include <epoxy/gl.h>
#include <imgui.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <filesystem>
#include <string>
#include <vector>

using namespace deepvis;
using namespace deepvis::app;
using deepvis::test::TempDir;

namespace {

Commands press_r() {
  Commands c;
  REQUIRE(commands_for_key({GLFW_KEY_R, false}, c));
  return c;
}

Commands choose(RecordTarget target) {
  Commands c;
  c.record_target = target;
  return c;
}

// Makes the framebuffer's pixels exactly `bgr` (top-down, the framebuffer's size) by writing its colour texture.
void paint(render::OffscreenFramebuffer& target, const cv::Mat& bgr) {
  REQUIRE(bgr.cols == target.width());
  REQUIRE(bgr.rows == target.height());
  cv::Mat rgba;
  cv::cvtColor(bgr, rgba, cv::COLOR_BGR2RGBA);
  cv::flip(rgba, rgba, 0);  // GL's first row is the bottom one
  glBindTexture(GL_TEXTURE_2D, target.color_texture());
  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, bgr.cols, bgr.rows, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data);
  glBindTexture(GL_TEXTURE_2D, 0);
  target.bind();
  glFinish();
}

cv::Mat random_image(int w, int h, int seed) {
  cv::Mat m(h, w, CV_8UC3);
  cv::RNG rng(static_cast<uint64_t>(seed));
  rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  return m;
}

std::vector<std::string> videos_in(const std::string& folder) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(folder)) {
    if (e.path().extension() == ".mp4" || e.path().extension() == ".avi") out.push_back(e.path().string());
  }
  return out;
}

PanelRect as_panel(const cv::Rect& r) {
  return {true, static_cast<float>(r.x), static_cast<float>(r.y), static_cast<float>(r.width),
          static_cast<float>(r.height)};
}

RecorderOptions deep_queue() {
  RecorderOptions o;
  o.queue_capacity = 64;  // no frame dropped on a loaded machine: the counts below are exact
  o.encoder_nice = 0;
  return o;
}

// Frame k: a background colour, a magenta line hugging `panel` from outside (a read one pixel off shows it at the
// video's edge), and inside the panel four quadrants of colours that change with k.
cv::Vec3b quadrant_colour(int k, int q) {
  return cv::Vec3b(static_cast<uint8_t>((40 + 50 * q + 13 * k) % 200),
                   static_cast<uint8_t>((200 - 30 * q + 7 * k) % 220),
                   static_cast<uint8_t>((60 + 45 * q + 29 * k) % 180));
}

cv::Mat frame_with_panel(cv::Size size, const cv::Rect& panel, int k) {
  cv::Mat m(size, CV_8UC3, cv::Scalar(20 + k, 90, 30));
  cv::rectangle(m, cv::Rect(panel.x - 1, panel.y - 1, panel.width + 2, panel.height + 2), cv::Scalar(255, 0, 255), 1);
  const int hw = panel.width / 2, hh = panel.height / 2;
  const cv::Rect quads[4] = {{0, 0, hw, hh},
                             {hw, 0, panel.width - hw, hh},
                             {0, hh, hw, panel.height - hh},
                             {hw, hh, panel.width - hw, panel.height - hh}};
  for (int q = 0; q < 4; ++q) m(panel)(quads[q]).setTo(quadrant_colour(k, q));
  return m;
}

double channel_error(const cv::Scalar& got, const cv::Vec3b& want) {
  double worst = 0.0;
  for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(got[c] - want[c]));
  return worst;
}

// One ImGui frame drawing the recordable panels, as the frame loop does (rectangles cleared first).
void draw_panels(const Snapshot& snapshot, AppState& state) {
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(1280.0f, 800.0f);
  io.DeltaTime = 1.0f / 60.0f;
  ImGui::NewFrame();
  Commands commands;
  state.panel_rects = {};
  draw_input_panel(snapshot, state, commands);
  draw_activation_grid(snapshot, state, commands);
  draw_unit_panel(snapshot, state, commands);
  draw_backward_panel(snapshot, state, commands);
  draw_optimization_panel(snapshot, state, commands);
  ImGui::Render();
}

}  // namespace

TEST_CASE("record panel: the Record menu's choice goes through apply_commands and waits for the next recording") {
  AppState state;
  const EngineSnapshot engine;
  CHECK(state.record_target == RecordTarget::Window);
  apply_commands(choose(RecordTarget::Unit), engine, state);
  CHECK(state.record_target == RecordTarget::Unit);
  CHECK_FALSE(state.record);  // choosing does not start anything
  apply_commands(press_r(), engine, state);
  CHECK(state.record);
  apply_commands(choose(RecordTarget::Backward), engine, state);
  CHECK(state.record_target == RecordTarget::Backward);
  CHECK(state.record);  // and does not stop a recording either
  // The names are the panels' window titles, which the menu and the messages show.
  CHECK(std::string(record_target_name(RecordTarget::Window)) == "whole window");
  CHECK(std::string(record_target_name(RecordTarget::Grid)) == "Activations");
  CHECK(std::string(record_target_name(RecordTarget::Unit)) == "Selected unit");
}

TEST_CASE("record panel: the regions are the panels' rectangles rounded outwards and clipped to the framebuffer") {
  PanelRects rects;
  CHECK(record_region(RecordTarget::Window, rects, 300, 200) == cv::Rect(0, 0, 300, 200));
  CHECK_FALSE(record_region(RecordTarget::Input, rects, 300, 200).has_value());  // not drawn: closed
  rects.at(RecordTarget::Input) = {true, 10.5f, 20.0f, 50.25f, 30.0f};
  CHECK(record_region(RecordTarget::Input, rects, 300, 200) == cv::Rect(10, 20, 51, 30));
  rects.at(RecordTarget::Unit) = {true, -15.0f, 180.0f, 100.0f, 50.0f};  // hangs over the left and bottom edges
  CHECK(record_region(RecordTarget::Unit, rects, 300, 200) == cv::Rect(0, 180, 85, 20));
  rects.at(RecordTarget::Grid) = {true, 310.0f, 10.0f, 40.0f, 40.0f};  // wholly outside
  CHECK_FALSE(record_region(RecordTarget::Grid, rects, 300, 200).has_value());
}

TEST_CASE("record panel: each recordable panel reports its window rectangle in framebuffer pixels, none when closed") {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  unsigned char* pixels = nullptr;
  int fw = 0, fh = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &fw, &fh);
  io.DisplayFramebufferScale = ImVec2(2.0f, 2.0f);  // a HiDPI screen: framebuffer pixels are twice ImGui's units
  const Snapshot snapshot;
  AppState state;
  state.model_layout = true;
  state.show_optimization = true;
  draw_panels(snapshot, state);  // the windows exist from here on
  const RecordTarget panels[] = {RecordTarget::Input, RecordTarget::Grid, RecordTarget::Unit, RecordTarget::Backward,
                                 RecordTarget::Optimization};
  int i = 0;
  for (RecordTarget t : panels) {
    ImGui::SetWindowPos(record_target_name(t),
                        ImVec2(30.0f + 100.0f * static_cast<float>(i), 40.0f + 7.0f * static_cast<float>(i)));
    ImGui::SetWindowSize(record_target_name(t), ImVec2(200.0f + 10.0f * static_cast<float>(i), 150.0f));
    ++i;
  }
  draw_panels(snapshot, state);
  i = 0;
  for (RecordTarget t : panels) {
    INFO(record_target_name(t));
    const PanelRect& r = state.panel_rects.at(t);
    CHECK(r.valid);
    CHECK(r.x == doctest::Approx(2.0 * (30.0 + 100.0 * i)));
    CHECK(r.y == doctest::Approx(2.0 * (40.0 + 7.0 * i)));
    CHECK(r.width == doctest::Approx(2.0 * (200.0 + 10.0 * i)));
    CHECK(r.height == doctest::Approx(300.0));
    ++i;
  }
  state.show_unit = false;
  state.show_optimization = false;
  draw_panels(snapshot, state);
  CHECK_FALSE(state.panel_rects.at(RecordTarget::Unit).valid);
  CHECK_FALSE(state.panel_rects.at(RecordTarget::Optimization).valid);
  CHECK(state.panel_rects.at(RecordTarget::Input).valid);
  ImGui::DestroyContext();
}

TEST_CASE("record panel: AsyncReadback of a sub-rectangle returns exactly those pixels") {
  render::EglContext context;
  const int w = 97, h = 61;
  render::OffscreenFramebuffer target(w, h);
  render::AsyncReadback readback(2);
  // Odd offsets and widths (rows not 4-byte aligned), the corners, and the whole framebuffer.
  const cv::Rect regions[] = {{13, 7, 31, 19}, {0, 0, 10, 5}, {w - 9, h - 4, 9, 4}, {0, 0, w, h}, {50, 30, 1, 1}};
  std::vector<cv::Mat> expected;
  std::vector<cv::Mat> got;
  int seed = 1;
  for (const cv::Rect& region : regions) {
    const cv::Mat image = random_image(w, h, seed++);
    paint(target, image);
    expected.push_back(image(region).clone());
    cv::Mat done = readback.read(region, h);
    if (!done.empty()) got.push_back(done);
  }
  for (cv::Mat done = readback.finish_one(); !done.empty(); done = readback.finish_one()) got.push_back(done);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("region " << i);
    REQUIRE(got[i].size() == expected[i].size());
    CHECK(cv::norm(got[i], expected[i], cv::NORM_INF) == 0);
  }
  CHECK_THROWS_AS(readback.read(cv::Rect(0, h - 3, 10, 5), h), Error);  // below the framebuffer's last row
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
}

TEST_CASE("record panel: R with a panel chosen records exactly that panel's pixels, frame for frame") {
  TempDir dir;
  render::EglContext context;
  const cv::Size fb(160, 120);
  const cv::Rect panel(37, 21, 50, 40);
  render::OffscreenFramebuffer target(fb.width, fb.height);
  WindowRecorder recorder;
  AppState state;
  const EngineSnapshot engine;
  apply_commands(choose(RecordTarget::Input), engine, state);

  // Frames 0-1 before R, 2-13 recorded (12), 14 after: the panel moves by a few pixels mid-recording, as when
  // dragged, and the recording follows it.
  int k = 0;
  auto frame = [&](const cv::Rect& where) {
    paint(target, frame_with_panel(fb, where, k));
    state.panel_rects = {};
    state.panel_rects.at(RecordTarget::Input) = as_panel(where);
    update_window_recording(recorder, state, fb.width, fb.height, dir.path(""), 30.0, deep_queue());
    ++k;
  };
  frame(panel);
  frame(panel);
  CHECK_FALSE(recorder.active());
  apply_commands(press_r(), engine, state);
  for (int i = 0; i < 12; ++i) {
    frame(i < 6 ? panel : cv::Rect(panel.x + 9, panel.y - 5, panel.width, panel.height));
    if (i == 3) apply_commands(choose(RecordTarget::Window), engine, state);  // for the next recording only
    CHECK(recorder.target() == RecordTarget::Input);
  }
  CHECK(state.status_message.find("recording ") == 0);
  CHECK(state.status_message.find("Input 50x40") != std::string::npos);
  CHECK(recorder.status().target == "Input");
  apply_commands(press_r(), engine, state);
  frame(panel);
  CHECK_FALSE(recorder.active());
  INFO(state.status_message);
  CHECK(state.status_message.find("recorded 12 frames") == 0);
  CHECK(state.status_message.find("0 dropped") != std::string::npos);

  const std::vector<std::string> videos = videos_in(dir.path(""));
  REQUIRE(videos.size() == 1);
  const std::vector<cv::Mat> frames = test::decode_video(videos[0]);
  REQUIRE(frames.size() == 12);
  const int hw = panel.width / 2, hh = panel.height / 2;
  // Each quadrant's inside (4 pixels clear of the quadrant's edges, where the codec blurs), and the video's
  // outermost rows and columns: a read one pixel off, or the window instead of the panel, brings in the magenta.
  const cv::Rect insides[4] = {{4, 4, hw - 8, hh - 8},
                               {hw + 4, 4, hw - 8, hh - 8},
                               {4, hh + 4, hw - 8, hh - 8},
                               {hw + 4, hh + 4, hw - 8, hh - 8}};
  for (size_t i = 0; i < frames.size(); ++i) {
    INFO("frame " << i);
    const cv::Mat& f = frames[i];
    REQUIRE(f.cols == panel.width);
    REQUIRE(f.rows == panel.height);
    const int drawn = static_cast<int>(i) + 2;  // the frame number it was painted as
    for (int q = 0; q < 4; ++q) CHECK(channel_error(cv::mean(f(insides[q])), quadrant_colour(drawn, q)) < 6.0);
    const cv::Rect edges[4] = {{0, 0, hw, 1}, {0, 0, 1, hh}, {hw, f.rows - 1, hw, 1}, {f.cols - 1, hh, 1, hh}};
    const int edge_quadrant[4] = {0, 0, 3, 3};
    for (int e = 0; e < 4; ++e) {
      CHECK(channel_error(cv::mean(f(edges[e])), quadrant_colour(drawn, edge_quadrant[e])) < 25.0);
    }
  }
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
}

TEST_CASE("record panel: choosing a closed panel says so and records nothing, closing one mid-recording stops") {
  TempDir dir;
  render::EglContext context;
  const cv::Size fb(96, 64);
  render::OffscreenFramebuffer target(fb.width, fb.height);
  WindowRecorder recorder;
  AppState state;
  const EngineSnapshot engine;
  paint(target, random_image(fb.width, fb.height, 7));

  apply_commands(choose(RecordTarget::Backward), engine, state);
  state.panel_rects.at(RecordTarget::Input) = as_panel({4, 4, 30, 20});  // another panel is open; that is no help
  apply_commands(press_r(), engine, state);
  update_window_recording(recorder, state, fb.width, fb.height, dir.path(""), 30.0, deep_queue());
  CHECK_FALSE(state.record);
  CHECK_FALSE(recorder.active());
  CHECK(state.status_message.find("cannot record: the Backward panel is closed") == 0);
  CHECK(videos_in(dir.path("")).empty());
  update_window_recording(recorder, state, fb.width, fb.height, dir.path(""), 30.0, deep_queue());
  CHECK(videos_in(dir.path("")).empty());  // and it does not try again by itself

  // The Input panel records 4 frames, then is closed: the recording ends with those 4, playable.
  apply_commands(choose(RecordTarget::Input), engine, state);
  apply_commands(press_r(), engine, state);
  for (int i = 0; i < 4; ++i)
    update_window_recording(recorder, state, fb.width, fb.height, dir.path(""), 30.0, deep_queue());
  CHECK(recorder.active());
  state.panel_rects = {};
  update_window_recording(recorder, state, fb.width, fb.height, dir.path(""), 30.0, deep_queue());
  CHECK_FALSE(recorder.active());
  CHECK_FALSE(state.record);
  INFO(state.status_message);
  CHECK(state.status_message.find("the Input panel is closed, recording stopped: recorded 4 frames") == 0);
  const std::vector<std::string> videos = videos_in(dir.path(""));
  REQUIRE(videos.size() == 1);
  const std::vector<cv::Mat> frames = test::decode_video(videos[0]);
  REQUIRE(frames.size() == 4);
  CHECK(frames[0].cols == 30);
  CHECK(frames[0].rows == 20);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
}

TEST_CASE("record panel: a panel resized mid-recording is scaled, aspect kept, to the size it started with") {
  // The fitting itself, exactly: a panel grown to twice its size comes back as the original pixels (area
  // averaging of 2x2 equal pixels), and one grown wider is letterboxed with black above and below.
  const cv::Mat small = random_image(40, 30, 3);
  cv::Mat twice;
  cv::resize(small, twice, cv::Size(80, 60), 0, 0, cv::INTER_NEAREST);
  CHECK(cv::norm(fit_frame(twice, small.size(), RecordTarget::Input), small, cv::NORM_INF) == 0);
  cv::Mat wide;
  cv::resize(small, wide, cv::Size(160, 60), 0, 0, cv::INTER_NEAREST);  // twice as wide as tall: fits as 40x15
  const cv::Mat fitted = fit_frame(wide, small.size(), RecordTarget::Input);
  REQUIRE(fitted.size() == small.size());
  CHECK(cv::countNonZero(fitted.rowRange(0, 7).reshape(1)) == 0);
  CHECK(cv::countNonZero(fitted.rowRange(22, 30).reshape(1)) == 0);
  cv::Mat wide_quarter;
  cv::resize(wide, wide_quarter, cv::Size(40, 15), 0, 0, cv::INTER_AREA);
  CHECK(cv::norm(fitted.rowRange(7, 22), wide_quarter, cv::NORM_INF) == 0);
  // The whole window keeps cropping and padding at the bottom and right, as before.
  const cv::Mat cropped = fit_frame(twice, small.size(), RecordTarget::Window);
  CHECK(cv::norm(cropped, twice(cv::Rect(0, 0, 40, 30)), cv::NORM_INF) == 0);

  // Through the recording: 3 frames at 40x30, 3 with the panel at 80x60 showing the same picture enlarged.
  TempDir dir;
  render::EglContext context;
  const cv::Size fb(128, 96);
  render::OffscreenFramebuffer target(fb.width, fb.height);
  WindowRecorder recorder;
  AppState state;
  const EngineSnapshot engine;
  apply_commands(choose(RecordTarget::Unit), engine, state);
  apply_commands(press_r(), engine, state);
  cv::Mat left_right(30, 40, CV_8UC3, cv::Scalar(200, 40, 40));
  left_right.colRange(20, 40).setTo(cv::Scalar(40, 200, 90));
  for (int i = 0; i < 6; ++i) {
    const bool grown = i >= 3;
    const cv::Rect where(10, 12, grown ? 80 : 40, grown ? 60 : 30);
    cv::Mat image(fb, CV_8UC3, cv::Scalar(255, 0, 255));
    cv::resize(left_right, image(where), where.size(), 0, 0, cv::INTER_NEAREST);
    paint(target, image);
    state.panel_rects = {};
    state.panel_rects.at(RecordTarget::Unit) = as_panel(where);
    update_window_recording(recorder, state, fb.width, fb.height, dir.path(""), 30.0, deep_queue());
  }
  apply_commands(press_r(), engine, state);
  update_window_recording(recorder, state, fb.width, fb.height, dir.path(""), 30.0, deep_queue());
  INFO(state.status_message);
  CHECK(state.status_message.find("recorded 6 frames") == 0);
  const std::vector<std::string> videos = videos_in(dir.path(""));
  REQUIRE(videos.size() == 1);
  const std::vector<cv::Mat> frames = test::decode_video(videos[0]);
  REQUIRE(frames.size() == 6);
  for (const cv::Mat& f : frames) {
    REQUIRE(f.size() == cv::Size(40, 30));
    CHECK(channel_error(cv::mean(f(cv::Rect(3, 3, 13, 24))), cv::Vec3b(200, 40, 40)) < 6.0);
    CHECK(channel_error(cv::mean(f(cv::Rect(24, 3, 13, 24))), cv::Vec3b(40, 200, 90)) < 6.0);
  }
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
}
