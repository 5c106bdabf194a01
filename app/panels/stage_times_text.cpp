#include "app/panels/stage_times_text.hpp"

#include <cstdio>

namespace deepvis::app {

namespace {

std::string stage(const char* name, double ms) {
  char text[48];
  std::snprintf(text, sizeof text, ms < 1.0 ? "%s %.2f" : "%s %.1f", name, ms);
  return text;
}

}  // namespace

std::string stage_times_text(const StageTimes& engine, double texture_ms, double draw_ms) {
  return stage("cap", engine.capture) + "  " + stage("pre", engine.preprocess) + "  " + stage("fwd", engine.forward) +
         "  " + stage("bwd", engine.backward) + "  " + stage("grid", engine.grid) + " | " + stage("tex", texture_ms) +
         "  " + stage("draw", draw_ms) + " ms";
}

}  // namespace deepvis::app
