#include "app/config_paths.hpp"
#include "app/gui/app_state.hpp"
#include "app/gui/gui_options.hpp"
#include "app/gui/no_display_error.hpp"
#include "app/gui/window_session.hpp"
#include "app/panels/panels.hpp"
#include "app/sample_image.hpp"
#include "compute/image/load_image.hpp"
#include "render/framebuffer_capture.hpp"
#include "render/gl_texture.hpp"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui.h>

#include <cstdio>
#include <filesystem>

namespace deepvis::app {

namespace {

struct InputImage {
  render::GlTexture texture;
  std::string name;
};

// Loads into the texture; on failure keeps the previous image and reports why in the status line.
void open_image(const std::string& path, InputImage& input, AppState& state) {
  try {
    input.texture.upload_rgb(load_image_rgb(path));
    input.name = std::filesystem::path(path).filename().string();
    state.status_message.clear();
  } catch (const Error& e) {
    state.status_message = e.what();
    std::fprintf(stderr, "deepvis: %s\n", e.what());
  }
}

void handle_shortcuts(AppState& state, Commands& commands) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput || !io.KeyCtrl) return;
  // ImGui 1.86 indexes keys by the backend's native codes, here GLFW's.
  if (ImGui::IsKeyPressed(GLFW_KEY_O)) state.open_dialog = true;
  if (ImGui::IsKeyPressed(GLFW_KEY_Q)) commands.quit = true;
}

int run_window(const GuiOptions& options) {
  // Scripted runs (--frames) must not read or write the user's layout, so they are reproducible.
  std::string ini;
  if (options.frames == 0) {
    const std::string dir = config_dir();
    if (!dir.empty()) ini = dir + "/imgui.ini";
  }
  WindowSession session(options.width, options.height, "deepvis", ini);

  AppState state;
  InputImage input;
  if (options.input.empty()) {
    input.texture.upload_rgb(make_sample_image());
    input.name = "test pattern";
  } else {
    open_image(options.input, input, state);
  }

  for (int frame = 0; !session.should_close(); ++frame) {
    session.begin_frame();
    Commands commands;
    for (const std::string& path : session.take_dropped_paths()) commands.open_image = path;
    handle_shortcuts(state, commands);

    Snapshot snapshot;
    snapshot.input_texture = input.texture.id();
    snapshot.input_width = input.texture.width();
    snapshot.input_height = input.texture.height();
    snapshot.input_name = input.name;
    snapshot.fps = ImGui::GetIO().Framerate;

    draw_menu_bar(snapshot, state, commands);
    draw_input_panel(snapshot, state, commands);
    draw_open_dialog(snapshot, state, commands);
    draw_about_window(snapshot, state, commands);
    session.render();

    const bool last_frame = options.frames > 0 && frame + 1 >= options.frames;
    if (last_frame && !options.screenshot.empty()) {
      int w = 0;
      int h = 0;
      session.framebuffer_size(w, h);
      render::write_image(options.screenshot, render::read_framebuffer_bgr(w, h));
    }
    session.end_frame();

    if (commands.open_image) open_image(*commands.open_image, input, state);
    if (commands.quit || last_frame) break;
  }
  return 0;
}

}  // namespace

int run_gui(const GuiOptions& options) {
  try {
    return run_window(options);
  } catch (const NoDisplayError& e) {
    std::fprintf(stderr, "deepvis: %s\n", e.what());
    return 3;
  } catch (const Error& e) {
    std::fprintf(stderr, "deepvis: %s\n", e.what());
    return 1;
  }
}

}  // namespace deepvis::app
