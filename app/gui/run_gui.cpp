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

// Keys go to the key table unless a text field or a dialog has them.
void handle_keys(Commands& commands) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput || ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopup)) return;
  for (const KeyBinding& binding : key_bindings()) {
    for (const KeyChord& chord : binding.keys) {
      if (chord.ctrl == io.KeyCtrl && ImGui::IsKeyPressed(chord.key, binding.repeat)) binding.apply(commands);
    }
  }
}

// Scripted runs count frames only once the first results are on screen: every start-up command carried out, and
// a frame computed (or a reason why there is none: the input failed to load).
bool settled(const EngineSnapshot& engine, const CaptureStatus& capture, uint64_t engine_posted,
             uint64_t capture_posted) {
  if (engine.commands_applied < engine_posted || capture.commands_done < capture_posted) return false;
  return engine.frame_sequence > 0 || capture.error_count > 0;
}

int run_window(const GuiOptions& options) {
  // Scripted runs (--frames) must not read or write the user's layout or settings, so they are reproducible.
  const bool scripted = options.frames > 0;
  std::string ini;
  if (!scripted) {
    const std::string dir = config_dir();
    if (!dir.empty()) ini = dir + "/imgui.ini";
  }
  WindowSession session(options.width, options.height, "deepvis", ini);

  std::string warning;
  // Scripted runs read no settings, so they depend on their flags alone.
  const GuiSettings saved = scripted ? GuiSettings{} : read_settings(settings_path(), &warning);
  AppState state = initial_state(options, saved);
  if (!warning.empty()) {
    std::fprintf(stderr, "deepvis: %s\n", warning.c_str());
    state.status_message = warning;
  }

  // Declared after the window so they stop (and release their textures) before it closes.
  GuiTextures textures;
  WindowRecorder recorder;  // R: the window to video; finalized before the window's GL context goes
  LatestFrameSlot frames;
  ModelOptions model_options;  // how the engine loads models; the window's other jobs follow the engine's choice
  model_options.device = options.device;
  // The engine schedules every job of the window over one model per device: the live frame first, then the
  // optimizer, the per-unit pane and the gallery.
  EngineThread engine(frames, model_options);
  CaptureThread capture(frames);
  AscentFrameLink ascent(engine.runner());  // live gradient ascent: a Net of its own over the engine's model
  // The per-unit optimized pane and the layer gallery. Scripted runs neither read nor write the disk cache, and
  // start with the pane closed so their screenshots and timing stay as they were.
  UnitOptimizedLink unit_optimized(scripted ? std::string() : default_unit_cache_dir(), engine.runner());
  if (scripted) state.show_unit_optimized = false;
  for (const std::string& panel : options.open_panels) {
    if (panel == "optimization") state.show_optimization = true;
    if (panel == "unit-optimized") state.show_unit_optimized = true;
    if (panel == "gallery") state.show_gallery = true;
  }
  // One batch, so the engine's first snapshot with the model already has the layer and unit asked for.
  std::vector<EngineCommand> startup = engine_commands_for(state);
  // The grid's GPU path where the window's GL context may share CUDA memory (the engine uses it only for a model
  // on CUDA); otherwise the engine draws host atlases.
  const std::string device_grid_problem = GuiTextures::device_grid_problem();
  startup.insert(startup.begin(), UseDeviceGrid{device_grid_problem.empty()});
  engine.post_all(startup);
  if (state.start_on_camera) {
    // The last file first: C switches back to it, and it stays on screen when the camera is missing (whose
    // message goes to the status bar); with no file the window opens empty, so the user can pick one.
    if (!state.input_path.empty()) capture.post(OpenPath{state.input_path});
    const cv::Size size = parse_camera_size(state.camera_size);  // initial_state keeps only readable sizes
    capture.post(OpenCamera{state.camera_index, size.width, size.height});
  } else if (state.input_path.empty()) {
    capture.post(OpenStill{make_sample_image(), "test pattern"});
  } else {
    capture.post(OpenPath{state.input_path});
  }
  const uint64_t engine_posted = engine.posted();
  const uint64_t capture_posted = capture.commands_posted();
  const Clock::time_point start = Clock::now();
  bool ready = !scripted;
  int counted = 0;
  double texture_ms = 0.0;  // the UI thread's stages, shown in the status bar one frame late
  double draw_ms = 0.0;
  FrameLatency latency;

  while (!session.should_close()) {
    session.begin_frame();
    Commands commands;
    for (const std::string& path : session.take_dropped_paths()) {
      if (std::filesystem::path(path).extension() == ".onnx") {
        commands.open_model = path;
      } else {
        commands.open_image = path;
      }
    }
    handle_keys(commands);

    Snapshot snapshot;
    snapshot.engine = engine.latest();
    const EngineSnapshot& results = *snapshot.engine;
    if (results.commands_applied >= engine.posted()) sync_selection(results, state);
    const Clock::time_point texture_start = Clock::now();
    if (textures.update(results)) texture_ms = ms_since(texture_start);
    snapshot.texture_ms = texture_ms;
    snapshot.draw_ms = draw_ms;
    snapshot.latency_ms = latency.last_ms();
    snapshot.input_texture = textures.input().id();
    snapshot.input_width = textures.input().width();
    snapshot.input_height = textures.input().height();
    snapshot.input_name = results.input_name;
    snapshot.fps = ImGui::GetIO().Framerate;
    snapshot.capture = capture.status();
    snapshot.frames_dropped = frames.dropped();
    snapshot.grid_texture = textures.grid();
    snapshot.unit_texture = textures.unit();
    snapshot.grid_region = textures.grid_region();
    snapshot.unit_region = textures.unit_region();
    snapshot.grid_on_gpu = textures.grid_on_device();
    if (const std::string failure = textures.take_device_grid_failure(); !failure.empty()) {
      std::fprintf(stderr, "deepvis: %s\n", failure.c_str());
      state.status_message = failure;
      engine.post(UseDeviceGrid{false});
    }
    snapshot.backward_texture = textures.backward();
    snapshot.network_input_texture = textures.network_input();
    snapshot.recording = recorder.status();
    ascent.begin_frame(state, snapshot);
    unit_optimized.begin_frame(results, state, snapshot);

    if (!ready) {
      ready = settled(results, snapshot.capture, engine_posted, capture_posted);
      if (!ready && Clock::now() - start > kSettleTimeout) {
        std::fprintf(stderr, "deepvis: no results after %lld s; rendering what there is\n",
                     static_cast<long long>(kSettleTimeout.count()));
        ready = true;
      }
    }

    const Clock::time_point draw_start = Clock::now();
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
    session.render();
    draw_ms = ms_since(draw_start);
    {
      int w = 0;
      int h = 0;
      session.framebuffer_size(w, h);
      update_window_recording(recorder, state, w, h);
    }

    const bool last_frame = scripted && ready && ++counted >= options.frames;
    if (last_frame && !options.screenshot.empty()) {
      int w = 0;
      int h = 0;
      session.framebuffer_size(w, h);
      render::write_image(options.screenshot, render::read_framebuffer_bgr(w, h));
      write_grid_sidecar(options.screenshot, state, snapshot);
    }
    session.end_frame();
    if (snapshot.grid_texture != 0) latency.shown(results.frame_sequence, results.captured_at, Clock::now());

    const Effects effects = apply_commands(commands, results, state);
    for (const EngineCommand& command : effects.engine) engine.post(command);
    for (const CaptureCommand& command : effects.capture) capture.post(command);
    ascent.end_frame(commands);
    unit_optimized.end_frame(commands, results, state);
    if (effects.quit || last_frame) break;
    // While a scripted run waits for the engine, leave it the cores instead of redrawing as fast as possible.
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  // Quit (window closed, Ctrl+Q, end of a scripted run) finalizes a recording still running.
  const std::string recorded = recorder.stop();
  if (!recorded.empty()) std::fprintf(stderr, "deepvis: %s\n", recorded.c_str());

  if (!scripted) {
    const std::string path = settings_path();
    try {
      state.input_is_camera = capture.status().kind == SourceKind::Camera;
      if (!path.empty()) write_settings(path, settings_from_state(state));
    } catch (const Error& e) {
      std::fprintf(stderr, "deepvis: %s\n", e.what());
    }
  }
  return 0;
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
