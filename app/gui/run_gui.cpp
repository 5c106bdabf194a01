#include "app/capture/camera_size.hpp"
#include "app/capture/capture_thread.hpp"
#include "app/capture/latest_frame_slot.hpp"
#include "app/config_paths.hpp"
#include "app/engine/engine_thread.hpp"
#include "app/exit_codes.hpp"
#include "app/gui/apply_commands.hpp"
#include "app/gui/ascent_frame_link.hpp"
#include "app/gui/frame_latency.hpp"
#include "app/gui/grid_sidecar.hpp"
#include "app/gui/gui_options.hpp"
#include "app/gui/gui_recording.hpp"
#include "app/gui/gui_textures.hpp"
#include "app/gui/settings_file.hpp"
#include "app/gui/unit_optimized_link.hpp"
#include "app/gui/window_session.hpp"
#include "app/panels/panels.hpp"
#include "app/sample_image.hpp"
#include "app/ui/key_bindings.hpp"
#include "app/ui/ui_commands.hpp"
#include "app/ui/ui_snapshot.hpp"
#include "app/ui/ui_state.hpp"
#include "compute/core/error.hpp"
#include "render/framebuffer_capture.hpp"

#include <imgui.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

namespace deepvis::app {

namespace {

using Clock = std::chrono::steady_clock;

// Scripted runs give up waiting for the first results after this long and take the screenshot anyway.
constexpr std::chrono::seconds kSettleTimeout{120};

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Every key event since the last frame goes to the key table, unless a text field or a dialog has the keys.
void handle_keys(WindowSession& session, Commands& commands) {
  const std::vector<KeyEvent> events = session.take_key_events();
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput || ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopup)) return;
  apply_key_events(events, commands);
}

// Scripted runs count frames only once the first results are on screen: every start-up command carried out, and
// a frame computed (or a reason why there is none: the input failed to load).
bool settled(const EngineSnapshot& engine, const CaptureStatus& capture, uint64_t engine_posted,
             uint64_t capture_posted) {
  if (engine.commands_applied < engine_posted || capture.commands_done < capture_posted) return false;
  return engine.frame_sequence > 0 || capture.error_count > 0;
}

std::string imgui_ini_path(bool scripted) {
  if (scripted) return "";
  const std::string dir = config_dir();
  return dir.empty() ? "" : dir + "/imgui.ini";
}

// The state the window opens with: flags over the last session's settings (none for scripted runs, so they
// depend on their flags alone), then the panels --open asks for.
AppState opening_state(const GuiOptions& options, bool scripted) {
  std::string warning;
  const GuiSettings saved = scripted ? GuiSettings{} : read_settings(settings_path(), &warning);
  AppState state = initial_state(options, saved);
  if (!warning.empty()) {
    std::fprintf(stderr, "deepvis: %s\n", warning.c_str());
    state.status_message = warning;
  }
  // Scripted runs start with the per-unit pane closed, so their screenshots and timing stay as they were.
  if (scripted) state.show_unit_optimized = false;
  for (const std::string& panel : options.open_panels) {
    if (panel == "optimization") state.show_optimization = true;
    if (panel == "unit-optimized") state.show_unit_optimized = true;
    if (panel == "gallery") state.show_gallery = true;
  }
  return state;
}

void take_dropped_paths(WindowSession& session, Commands& commands) {
  for (const std::string& path : session.take_dropped_paths()) {
    if (std::filesystem::path(path).extension() == ".onnx") {
      commands.open_model = path;
    } else {
      commands.open_image = path;
    }
  }
}

void draw_panels(const Snapshot& snapshot, AppState& state, Commands& commands) {
  state.grid_rect.valid = false;
  state.panel_rects = {};
  draw_menu_bar(snapshot, state, commands);
  draw_layer_list(snapshot, state, commands);
  draw_input_panel(snapshot, state, commands);
  draw_activation_grid(snapshot, state, commands);
  draw_unit_panel(snapshot, state, commands);
  draw_backward_panel(snapshot, state, commands);
  draw_predictions(snapshot, state, commands);
  draw_status_bar(snapshot, state, commands);
  draw_open_dialog(snapshot, state, commands);
  draw_model_dialog(snapshot, state, commands);
  draw_camera_dialog(snapshot, state, commands);
  draw_help_overlay(snapshot, state, commands);
  draw_about_window(snapshot, state, commands);
  draw_optimization_panel(snapshot, state, commands);
  draw_unit_optimized_panel(snapshot, state, commands);
  draw_layer_gallery_panel(snapshot, state, commands);
  state.relayout = false;
}

// The engine's first commands: the grid's path, then the model and the whole selection.
std::vector<EngineCommand> startup_commands(const AppState& state) {
  std::vector<EngineCommand> startup;
  startup.emplace_back(UseDeviceGrid{GuiTextures::device_grid_problem().empty()});
  for (EngineCommand& command : engine_commands_for(state)) startup.push_back(std::move(command));
  return startup;
}

// The window and everything it runs, declared in the order they must start and stop: the jobs and textures
// after the window, so they stop (and release their textures) before it closes.
class Window {
 public:
  explicit Window(const GuiOptions& options)
      : options_(options),
        scripted_(options.frames > 0),
        session_(options.width, options.height, "deepvis", imgui_ini_path(scripted_)),
        state_(opening_state(options, scripted_)),
        engine_(frames_, engine_model_options(options)),
        capture_(frames_),
        ascent_(engine_.runner()),
        // Scripted runs neither read nor write the per-unit pane's disk cache.
        unit_optimized_(scripted_ ? std::string() : default_unit_cache_dir(), engine_.runner()),
        ready_(!scripted_) {}

  int run() {
    start_jobs();
    while (!session_.should_close()) {
      if (!frame()) break;
    }
    finish();
    return 0;
  }

 private:
  static ModelOptions engine_model_options(const GuiOptions& options) {
    ModelOptions model_options;  // how the engine loads models; the window's other jobs share its model
    model_options.device = options.device;
    return model_options;
  }

  // The engine's first commands in one batch, so its first snapshot with the model already has the layer and
  // unit asked for; and the capture's first source.
  void start_jobs() {
    // The grid's GPU path where the window's GL context may share CUDA memory (the engine uses it only for a
    // model on CUDA); otherwise the engine draws host atlases.
    engine_.post_all(startup_commands(state_));
    if (state_.start_on_camera) {
      // The last file first: C switches back to it, and it stays on screen when the camera is missing (whose
      // message goes to the status bar); with no file the window opens empty, so the user can pick one.
      if (!state_.input_path.empty()) capture_.post(OpenPath{state_.input_path});
      const cv::Size size = parse_camera_size(state_.camera_size);  // initial_state keeps only readable sizes
      capture_.post(OpenCamera{state_.camera_index, size.width, size.height});
    } else if (state_.input_path.empty()) {
      capture_.post(OpenStill{make_sample_image(), "test pattern"});
    } else {
      capture_.post(OpenPath{state_.input_path});
    }
    engine_posted_ = engine_.posted();
    capture_posted_ = capture_.commands_posted();
    start_ = Clock::now();
  }

  // One frame: input, snapshot, panels, present, then the commands the panels gave. False to stop.
  bool frame() {
    session_.begin_frame();
    Commands commands;
    take_dropped_paths(session_, commands);
    handle_keys(session_, commands);
    Snapshot snapshot = take_snapshot();
    const EngineSnapshot& results = *snapshot.engine;
    update_ready(results, snapshot.capture);
    if (ready_ && !pressed_) {
      pressed_ = true;
      for (const std::string& name : options_.press) session_.press_key(*key_from_name(name));  // checked by main
    }

    const Clock::time_point draw_start = Clock::now();
    draw_panels(snapshot, state_, commands);
    session_.render();
    draw_ms_ = ms_since(draw_start);
    int w = 0;
    int h = 0;
    session_.framebuffer_size(w, h);
    update_window_recording(recorder_, state_, w, h);
    const bool last_frame = scripted_ && ready_ && ++counted_ >= options_.frames;
    if (last_frame && !options_.screenshot.empty()) {
      render::write_image(options_.screenshot, render::read_framebuffer_bgr(w, h));
      write_grid_sidecar(options_.screenshot, state_, snapshot);
    }
    session_.end_frame();
    if (snapshot.grid_texture != 0) latency_.shown(results.frame_sequence, results.captured_at, Clock::now());

    const Effects effects = apply_commands(commands, results, state_);
    for (const EngineCommand& command : effects.engine) engine_.post(command);
    for (const CaptureCommand& command : effects.capture) capture_.post(command);
    ascent_.end_frame(commands);
    unit_optimized_.end_frame(commands, results, state_);
    if (effects.quit || last_frame) return false;
    // While a scripted run waits for the engine, leave it the cores instead of redrawing as fast as possible.
    if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return true;
  }

  // The newest results of every job, with the textures updated from them.
  Snapshot take_snapshot() {
    Snapshot snapshot;
    snapshot.engine = engine_.latest();
    const EngineSnapshot& results = *snapshot.engine;
    if (results.commands_applied >= engine_.posted()) sync_selection(results, state_);
    const Clock::time_point texture_start = Clock::now();
    if (textures_.update(results)) texture_ms_ = ms_since(texture_start);
    snapshot.texture_ms = texture_ms_;
    snapshot.draw_ms = draw_ms_;
    snapshot.latency_ms = latency_.last_ms();
    snapshot.input_texture = textures_.input().id();
    snapshot.input_width = textures_.input().width();
    snapshot.input_height = textures_.input().height();
    snapshot.input_name = results.input_name;
    snapshot.fps = ImGui::GetIO().Framerate;
    snapshot.capture = capture_.status();
    snapshot.frames_dropped = frames_.dropped();
    snapshot.grid_texture = textures_.grid();
    snapshot.unit_texture = textures_.unit();
    snapshot.grid_region = textures_.grid_region();
    snapshot.unit_region = textures_.unit_region();
    snapshot.grid_on_gpu = textures_.grid_on_device();
    if (const std::string failure = textures_.take_device_grid_failure(); !failure.empty()) {
      std::fprintf(stderr, "deepvis: %s\n", failure.c_str());
      state_.status_message = failure;
      engine_.post(UseDeviceGrid{false});
    }
    snapshot.backward_texture = textures_.backward();
    snapshot.network_input_texture = textures_.network_input();
    snapshot.recording = recorder_.status();
    ascent_.begin_frame(state_, snapshot);
    unit_optimized_.begin_frame(results, state_, snapshot);
    return snapshot;
  }

  // Scripted runs count frames only once the first results are on screen, or after kSettleTimeout.
  void update_ready(const EngineSnapshot& results, const CaptureStatus& capture) {
    if (ready_) return;
    ready_ = settled(results, capture, engine_posted_, capture_posted_);
    if (!ready_ && Clock::now() - start_ > kSettleTimeout) {
      std::fprintf(stderr, "deepvis: no results after %lld s; rendering what there is\n",
                   static_cast<long long>(kSettleTimeout.count()));
      ready_ = true;
    }
  }

  // Quit (window closed, Ctrl+Q, end of a scripted run) finalizes a recording still running, and an
  // interactive session saves its settings.
  void finish() {
    const std::string recorded = recorder_.stop();
    if (!recorded.empty()) std::fprintf(stderr, "deepvis: %s\n", recorded.c_str());
    if (scripted_) return;
    const std::string path = settings_path();
    try {
      state_.input_is_camera = capture_.status().kind == SourceKind::Camera;
      if (!path.empty()) write_settings(path, settings_from_state(state_));
    } catch (const Error& e) {
      std::fprintf(stderr, "deepvis: %s\n", e.what());
    }
  }

  const GuiOptions& options_;
  const bool scripted_;  // --frames: must not read or write the user's layout or settings, so it is reproducible
  WindowSession session_;
  AppState state_;
  GuiTextures textures_;
  WindowRecorder recorder_;  // R: the window to video; finalized before the window's GL context goes
  LatestFrameSlot frames_;
  // The engine schedules every job of the window over one model per device: the live frame first, then the
  // optimizer, the per-unit pane and the gallery.
  EngineThread engine_;
  CaptureThread capture_;
  AscentFrameLink ascent_;            // live gradient ascent: a Net of its own over the engine's model
  UnitOptimizedLink unit_optimized_;  // the per-unit optimized pane and the layer gallery
  uint64_t engine_posted_ = 0;
  uint64_t capture_posted_ = 0;
  Clock::time_point start_;
  bool ready_;
  bool pressed_ = false;  // --press has been typed
  int counted_ = 0;
  double texture_ms_ = 0.0;  // the UI thread's stages, shown in the status bar one frame late
  double draw_ms_ = 0.0;
  FrameLatency latency_;
};

int run_window(const GuiOptions& options) {
  Window window(options);
  return window.run();
}

}  // namespace

int run_gui(const GuiOptions& options) {
  try {
    return run_window(options);
  } catch (const Error& e) {  // no display or OpenGL window (5), the screenshot or its sidecar (6), ...
    std::fprintf(stderr, "deepvis: %s\n", e.what());
    return exit_code_for(e);
  }
}

}  // namespace deepvis::app
