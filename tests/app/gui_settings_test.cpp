// settings.json: round trip, tolerance of damaged files, and scripted runs leaving it alone.
#include "app/gui/settings_file.hpp"
#include "tests/support/headless_gui.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <opencv2/imgcodecs.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace deepvis;
using namespace deepvis::app;
using deepvis::test::TempDir;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

}  // namespace

TEST_CASE("gui: settings survive a write and a read") {
  TempDir dir;
  GuiSettings s;
  s.model = "/models/m.onnx";
  s.input = "/images/cat.png";
  s.layer = "conv2";
  s.unit = 17;
  s.backward = BackwardView::Guided;
  s.backward_display = BackwardDisplay::NormBlur;
  s.grid_norm = GridNorm::Fixed;
  s.fixed_lo = -2.5f;
  s.fixed_hi = 7.0f;
  s.colormap = Colormap::Viridis;
  s.crop = CropMode::Face;
  write_settings(dir.path("settings.json"), s);

  std::string warning;
  const GuiSettings r = read_settings(dir.path("settings.json"), &warning);
  CHECK(warning.empty());
  CHECK(r.model == s.model);
  CHECK(r.input == s.input);
  CHECK(r.layer == s.layer);
  CHECK(r.unit == 17);
  CHECK(r.backward == BackwardView::Guided);
  CHECK(r.backward_display == BackwardDisplay::NormBlur);
  CHECK(r.grid_norm == GridNorm::Fixed);
  CHECK(r.fixed_lo == -2.5f);
  CHECK(r.fixed_hi == 7.0f);
  CHECK(r.colormap == Colormap::Viridis);
  CHECK(r.crop == CropMode::Face);
  CHECK(initial_state(GuiOptions{}, r).crop == CropMode::Face);
  GuiOptions flag;
  flag.crop = "stretch";  // --crop wins over the saved choice
  CHECK(initial_state(flag, r).crop == CropMode::Stretch);

  // The model's own crop is saved as "" and read back as none.
  s.crop = std::nullopt;
  write_settings(dir.path("settings.json"), s);
  CHECK_FALSE(read_settings(dir.path("settings.json")).crop.has_value());
}

TEST_CASE("gui: a damaged settings file falls back to defaults and says what was wrong") {
  TempDir dir;
  std::string warning;
  const GuiSettings missing = read_settings(dir.path("none.json"), &warning);
  CHECK(warning.empty());
  CHECK(missing.unit == 0);

  write_text(dir.path("broken.json"), "{ not json");
  const GuiSettings broken = read_settings(dir.path("broken.json"), &warning);
  CHECK(warning.find("broken.json") != std::string::npos);
  CHECK(broken.model.empty());
  CHECK(broken.backward == BackwardView::Off);

  // One bad field loses only itself.
  warning.clear();
  write_text(dir.path("partly.json"), R"({"model": "/m.onnx", "backward": "sideways", "unit": 4, "crop": "oval"})");
  const GuiSettings partly = read_settings(dir.path("partly.json"), &warning);
  CHECK(partly.model == "/m.onnx");
  CHECK(partly.unit == 4);
  CHECK(partly.backward == BackwardView::Off);
  CHECK(warning.find("backward") != std::string::npos);
  CHECK(warning.find("sideways") != std::string::npos);
  CHECK(warning.find("oval") != std::string::npos);
  CHECK_FALSE(partly.crop.has_value());
}

TEST_CASE("gui: the state's selection is what gets saved") {
  AppState state;
  state.model_path = "/m.onnx";
  state.layer = "fc1";
  state.unit = 9;
  state.backward = BackwardView::Deconv;
  state.colormap = Colormap::Jet;
  const GuiSettings s = settings_from_state(state);
  CHECK(s.model == "/m.onnx");
  CHECK(s.layer == "fc1");
  CHECK(s.unit == 9);
  CHECK(s.backward == BackwardView::Deconv);
  CHECK(s.colormap == Colormap::Jet);
}

TEST_CASE("gui: scripted runs neither read nor write settings.json") {
  TempDir dir;
  const std::string config = dir.path("config");
  std::filesystem::create_directories(config + "/deepvis");
  // A saved model that does not exist and a broken file: a scripted run must not even look.
  write_text(config + "/deepvis/settings.json", "{ not json");
  const std::string shot = dir.path("shot.png");
  const char* display = std::getenv("DISPLAY");
  const std::string xvfb = display && *display ? "" : " xvfb-run -a -s '-screen 0 1280x1024x24'";
  const auto run = test::run_process(
      {test::deepvis_binary(), "--frames", "2", "--screenshot", shot, "--width", "800", "--height", "600"},
      "env XDG_CONFIG_HOME=" + config + xvfb);
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK(run.output.find("settings") == std::string::npos);
  std::ifstream in(config + "/deepvis/settings.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "{ not json");
  CHECK(!std::filesystem::exists(config + "/deepvis/imgui.ini"));
  CHECK(!cv::imread(shot).empty());
}

TEST_CASE("gui: the last session's webcam is the input again, unless a flag names one") {
  TempDir dir;
  const std::string photo = dir.path("photo.png");
  write_text(photo, "x");  // only its existence matters here
  GuiSettings saved;
  saved.input = photo;
  saved.camera = 2;
  saved.camera_size = "1280x720";

  GuiOptions none;
  const AppState camera = initial_state(none, saved);
  CHECK(camera.start_on_camera);
  CHECK(camera.camera_index == 2);
  CHECK(camera.camera_size == "1280x720");
  CHECK(camera.input_path == photo);  // what C switches back to

  GuiOptions input;
  input.input = "/other.png";
  const AppState file = initial_state(input, saved);
  CHECK_FALSE(file.start_on_camera);
  CHECK(file.input_path == "/other.png");

  GuiOptions flag;
  flag.camera = 0;
  const AppState zero = initial_state(flag, saved);
  CHECK(zero.start_on_camera);
  CHECK(zero.camera_index == 0);
  CHECK(zero.camera_size.empty());

  saved.camera = -1;  // the last input was a file
  const AppState last_file = initial_state(none, saved);
  CHECK_FALSE(last_file.start_on_camera);
  CHECK(last_file.input_path == photo);
}

TEST_CASE("gui: the webcam in use is saved with its size; an unreadable saved size is dropped, saying so") {
  AppState state;
  state.camera_index = 3;
  state.camera_size = "640x480";
  state.input_is_camera = true;
  GuiSettings s = settings_from_state(state);
  CHECK(s.camera == 3);
  state.input_is_camera = false;
  CHECK(settings_from_state(state).camera == -1);

  TempDir dir;
  write_settings(dir.path("settings.json"), s);
  std::string warning;
  const GuiSettings r = read_settings(dir.path("settings.json"), &warning);
  CHECK(warning.empty());
  CHECK(r.camera == 3);
  CHECK(r.camera_size == "640x480");

  write_text(dir.path("bad.json"), R"({"camera": 1, "camera_size": "huge"})");
  const GuiSettings bad = read_settings(dir.path("bad.json"), &warning);
  CHECK(bad.camera == 1);
  CHECK(bad.camera_size.empty());
  CHECK(warning.find("camera_size") != std::string::npos);
}
