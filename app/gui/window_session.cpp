#include "app/gui/window_session.hpp"

#include "compute/core/error.hpp"

// epoxy must come before any other GL header; GLFW then adds only its own declarations.
#include <epoxy/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <cstdlib>
#include <string>

namespace deepvis::app {

namespace {

// GLFW reports errors through a callback; keep the last one to build our own one-line message.
std::string g_last_glfw_error;

void remember_glfw_error(int /*code*/, const char* description) {
  g_last_glfw_error = description;
}

WindowSession::Events& events_of(GLFWwindow* window) {
  return *static_cast<WindowSession::Events*>(glfwGetWindowUserPointer(window));
}

void on_drop(GLFWwindow* window, int count, const char** paths) {
  for (int i = 0; i < count; ++i) events_of(window).dropped.emplace_back(paths[i]);
}

// Installed before ImGui's backend, which chains to it, so ImGui still sees every key too.
void on_key(GLFWwindow* window, int key, int /*scancode*/, int action, int mods) {
  if (action != GLFW_PRESS && action != GLFW_REPEAT) return;
  events_of(window).keys.push_back(
      {key, (mods & GLFW_MOD_CONTROL) != 0, action == GLFW_PRESS ? KeyAction::Press : KeyAction::Repeat});
}

bool has_display() {
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  return (x11 && *x11) || (wayland && *wayland);
}

}  // namespace

WindowSession::WindowSession(int width, int height, const char* title, const std::string& imgui_ini_path)
    : ini_path_(imgui_ini_path) {
  glfwSetErrorCallback(remember_glfw_error);
  if (!has_display()) {
    throw EnvironmentError(
        "no display: DISPLAY and WAYLAND_DISPLAY are unset; run under X11/Wayland, "
        "or use a subcommand (deepvis --help)");
  }
  if (!glfwInit()) throw EnvironmentError("cannot open the display: " + g_last_glfw_error);
  glfw_ready_ = true;

  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  window_ = glfwCreateWindow(width, height, title, nullptr, nullptr);
  if (!window_) {
    const std::string why = g_last_glfw_error;
    glfwTerminate();
    glfw_ready_ = false;
    throw EnvironmentError("cannot create an OpenGL 3.3 window: " + why);
  }
  glfwMakeContextCurrent(window_);
  glfwSwapInterval(1);
  glfwSetWindowUserPointer(window_, &events_);
  glfwSetDropCallback(window_, on_drop);
  glfwSetKeyCallback(window_, on_key);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = ini_path_.empty() ? nullptr : ini_path_.c_str();
  // No keyboard navigation: the arrow keys move the unit cursor (key_bindings.hpp), as in the original toolbox.
  ImGui::StyleColorsDark();
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");
  imgui_ready_ = true;
}

WindowSession::~WindowSession() {
  if (imgui_ready_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  if (window_) glfwDestroyWindow(window_);
  if (glfw_ready_) glfwTerminate();
}

bool WindowSession::should_close() const {
  return glfwWindowShouldClose(window_) != 0;
}

void WindowSession::begin_frame() {
  glfwPollEvents();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

void WindowSession::render() {
  ImGui::Render();
  int w = 0;
  int h = 0;
  framebuffer_size(w, h);
  glViewport(0, 0, w, h);
  glClearColor(0.08f, 0.08f, 0.10f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void WindowSession::end_frame() {
  glfwSwapBuffers(window_);
}

void WindowSession::framebuffer_size(int& width, int& height) const {
  glfwGetFramebufferSize(window_, &width, &height);
}

std::vector<std::string> WindowSession::take_dropped_paths() {
  std::vector<std::string> out;
  out.swap(events_.dropped);
  return out;
}

void WindowSession::press_key(const KeyChord& chord) {
  const GLFWkeyfun installed = glfwSetKeyCallback(window_, nullptr);
  glfwSetKeyCallback(window_, installed);
  if (!installed) return;
  const int mods = chord.ctrl ? GLFW_MOD_CONTROL : 0;
  installed(window_, chord.key, 0, GLFW_PRESS, mods);
  installed(window_, chord.key, 0, GLFW_RELEASE, mods);
}

std::vector<KeyEvent> WindowSession::take_key_events() {
  std::vector<KeyEvent> out;
  out.swap(events_.keys);
  return out;
}

}  // namespace deepvis::app
