#pragma once
// Owns GLFW, the window with its GL context, and the ImGui context with its two backends, in the order
// they must be created and destroyed.
#include "app/ui/key_bindings.hpp"
#include "app/ui/key_events.hpp"

#include <string>
#include <vector>

struct GLFWwindow;

namespace deepvis::app {

class WindowSession {
 public:
  // Throws EnvironmentError when there is no display to open a window on, or no OpenGL 3.3 window can be made.
  WindowSession(int width, int height, const char* title, const std::string& imgui_ini_path);
  ~WindowSession();
  WindowSession(const WindowSession&) = delete;
  WindowSession& operator=(const WindowSession&) = delete;

  GLFWwindow* window() const { return window_; }
  bool should_close() const;
  void begin_frame();
  // Renders ImGui's draw data into the back buffer; call end_frame() afterwards to present it.
  void render();
  void end_frame();
  void framebuffer_size(int& width, int& height) const;
  // Paths dropped onto the window since the last call.
  std::vector<std::string> take_dropped_paths();
  // Key presses and repeats since the last call, in order (GLFW's key callback queues every one).
  std::vector<KeyEvent> take_key_events();
  // Presses and releases `chord` through the window's installed key callback (ImGui's, which chains to ours), as
  // the system would; for scripted runs.
  void press_key(const KeyChord& chord);

  // What GLFW's callbacks collect between two frames (the window's user pointer).
  struct Events {
    std::vector<std::string> dropped;
    std::vector<KeyEvent> keys;
  };

 private:
  GLFWwindow* window_ = nullptr;
  std::string ini_path_;  // ImGui keeps a pointer to it
  Events events_;
  bool glfw_ready_ = false;
  bool imgui_ready_ = false;
};

}  // namespace deepvis::app
