// The optimization panel: the paper's regularized gradient ascent, live. The session (app/ascent/) runs on its
// own thread; this panel only sends commands and draws the session's snapshot.
#include "app/panels/panel_layout.hpp"
#include "app/panels/panels.hpp"
#include "compute/io/file_names.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <string>

namespace deepvis::app {

namespace {

const ImVec4 kErrorColour(1.0f, 0.45f, 0.4f, 1.0f);

bool slider_double(const char* label, double* v, double lo, double hi, const char* format, bool logarithmic = false) {
  return ImGui::SliderScalar(label, ImGuiDataType_Double, v, &lo, &hi, format,
                             logarithmic ? ImGuiSliderFlags_Logarithmic : ImGuiSliderFlags_None);
}

// A typed value applies on Enter, so a half-typed number never reaches the run.
bool input_double(const char* label, double* v, const char* format) {
  return ImGui::InputDouble(label, v, 0.0, 0.0, format, ImGuiInputTextFlags_EnterReturnsTrue);
}

void heading(const char* text) {
  ImGui::Separator();
  ImGui::TextDisabled("%s", text);
}

template <class Enum>
bool combo(const char* label, Enum* value, const char* const* names, int count) {
  int index = static_cast<int>(*value);
  if (!ImGui::Combo(label, &index, names, count)) return false;
  *value = static_cast<Enum>(index);
  return true;
}

std::string default_prefix(const AscentSnapshot& a) {
  return "deepvis_opt/" + safe_file_name(a.model_stem + "_" + a.layer + "_" + std::to_string(a.unit));
}

void draw_target(const Snapshot& snapshot, AscentPanelState& panel, Commands& commands) {
  const AscentSnapshot& a = *snapshot.ascent;
  const EngineSnapshot& engine = *snapshot.engine;
  ImGui::Checkbox("follow the selected unit", &panel.follow_selection);
  if (panel.follow_selection && engine.model && !engine.settings.layer.empty()) {
    const std::string selected = engine.settings.layer + ":" + std::to_string(engine.settings.unit);
    if (selected != panel.followed) {
      commands.ascent.push_back(SetAscentTarget{engine.settings.layer, engine.settings.unit, {}, {}});
      panel.followed = selected;
    }
  }
  ImGui::SetNextItemWidth(-80.0f);
  const bool entered = ImGui::InputTextWithHint("##target", "layer:unit or layer:unit:y:x", &panel.target_text,
                                                ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if ((ImGui::Button("Set") || entered) && !panel.target_text.empty()) {
    commands.ascent.push_back(SetAscentTargetText{panel.target_text});
    panel.follow_selection = false;  // a typed target stays until the user asks to follow again
  }
  ImGui::Text("target %s/%s", a.model_stem.c_str(), a.has_target ? a.target.c_str() : "(none)");
}

void draw_start(const Snapshot& snapshot, AscentPanelState& panel, Commands& commands) {
  static const char* const kStarts[] = {"noise", "uniform", "mean", "input frame", "file"};
  const bool picked = combo("start", &panel.start, kStarts, IM_ARRAYSIZE(kStarts));
  const EngineSnapshot& engine = *snapshot.engine;
  if (panel.start == StartKind::File) {
    ImGui::SetNextItemWidth(-80.0f);
    const bool entered = ImGui::InputTextWithHint("##startfile", "image or .npy", &panel.start_file,
                                                  ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if (ImGui::Button("Load") || entered) {
      commands.ascent.push_back(SetAscentStart{StartKind::File, panel.start_file, {}, {}});
    }
  } else if (panel.start == StartKind::Frame) {
    ImGui::SameLine();
    if (ImGui::Button("Grab frame") || picked) {
      commands.ascent.push_back(SetAscentStart{StartKind::Frame, {}, engine.input_rgb, engine.input_name});
    }
  } else if (picked) {
    commands.ascent.push_back(SetAscentStart{panel.start, {}, {}, {}});
  }
}

// Every slider and field of the parameters; true when one changed.
bool draw_params(vis::AscentParams& p) {
  bool changed = false;
  int seed = static_cast<int>(p.seed);
  if (ImGui::InputInt("seed", &seed, 1, 10, ImGuiInputTextFlags_EnterReturnsTrue)) {
    p.seed = static_cast<uint32_t>(std::max(seed, 0));
    changed = true;
  }
  heading("regularizers");
  changed |= slider_double("decay", &p.decay, 0.0, 0.5, "%.5f", true);
  changed |= slider_double("blur radius", &p.blur_radius, 0.0, 4.0, "%.2f");
  changed |= ImGui::SliderInt("blur every", &p.blur_every, 0, 16);
  changed |= slider_double("small value pct", &p.small_val_percentile, 0.0, 99.0, "%.1f");
  changed |= slider_double("small norm pct", &p.small_norm_percentile, 0.0, 99.0, "%.1f");
  changed |= slider_double("px benefit pct", &p.px_benefit_percentile, 0.0, 99.0, "%.1f");
  changed |= slider_double("px abs benefit pct", &p.px_abs_benefit_percentile, 0.0, 99.0, "%.1f");
  heading("schedule");
  static const char* const kPolicies[] = {"constant", "progress", "progress01"};
  changed |= combo("lr policy", &p.lr_policy, kPolicies, IM_ARRAYSIZE(kPolicies));
  switch (p.lr_policy) {
    case vis::LrPolicy::Constant: changed |= input_double("lr", &p.lr, "%.6g"); break;
    case vis::LrPolicy::Progress:
      changed |= input_double("max lr", &p.max_lr, "%.6g");
      changed |= input_double("desired prog", &p.desired_prog, "%.6g");
      break;
    case vis::LrPolicy::Progress01:
      changed |= input_double("max lr", &p.max_lr, "%.6g");
      changed |= input_double("early prog", &p.early_prog, "%.6g");
      changed |= input_double("late prog mult", &p.late_prog_mult, "%.6g");
      break;
  }
  changed |= ImGui::SliderInt("iterations", &p.max_iter, 1, 5000, "%d", ImGuiSliderFlags_Logarithmic);
  return changed;
}

// The options beyond the paper (Lucid-style). The diversity and direction objectives need several units or a
// vector file, which the CLI offers; the panel optimizes one unit.
bool draw_lucid_options(vis::AscentParams& p) {
  if (!ImGui::CollapsingHeader("Lucid options")) return false;
  bool changed = false;
  static const char* const kObjectives[] = {"neuron", "channel"};
  if (p.objective == vis::ObjectiveKind::Neuron || p.objective == vis::ObjectiveKind::Channel) {
    changed |= combo("objective", &p.objective, kObjectives, IM_ARRAYSIZE(kObjectives));
  } else {
    ImGui::Text("objective %s", vis::objective_name(p.objective));
  }
  bool minimize = p.push_dir < 0;
  if (ImGui::Checkbox("minimize", &minimize)) {
    p.push_dir = minimize ? -1 : 1;
    changed = true;
  }
  changed |= ImGui::SliderInt("jitter", &p.jitter, 0, 16);
  changed |= ImGui::SliderInt("pad", &p.pad, 0, 16);
  changed |= slider_double("scale min", &p.scale_min, 0.5, 1.0, "%.3f");
  changed |= slider_double("scale max", &p.scale_max, 1.0, 1.5, "%.3f");
  changed |= slider_double("rotate", &p.rotate_deg, 0.0, 45.0, "%.1f deg");
  static const char* const kParams[] = {"pixel", "fft"};
  changed |= combo("parameterization", &p.param, kParams, IM_ARRAYSIZE(kParams));
  static const char* const kOptimizers[] = {"sgd", "adam"};
  changed |= combo("optimizer", &p.optimizer, kOptimizers, IM_ARRAYSIZE(kOptimizers));
  if (p.optimizer == vis::OptimizerKind::Adam) {
    changed |= slider_double("beta1", &p.beta1, 0.0, 0.999, "%.3f");
    changed |= slider_double("beta2", &p.beta2, 0.0, 0.9999, "%.4f");
  }
  return changed;
}

void draw_controls(const AscentSnapshot& a, AscentPanelState& panel, Commands& commands) {
  ImGui::TextUnformatted("preset");
  for (int n = 1; n <= 4; ++n) {
    ImGui::SameLine();
    char label[16];
    std::snprintf(label, sizeof label, "%d", n);
    if (ImGui::Button(label)) commands.ascent.push_back(ApplyAscentPreset{n});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("The paper's Table 1 set %d; starts a new run", n);
  }
  ImGui::BeginDisabled(!a.has_target);
  if (a.state == AscentState::Running) {
    if (ImGui::Button("Pause")) commands.ascent.push_back(PauseAscent{});
  } else if (ImGui::Button("Run")) {
    commands.ascent.push_back(RunAscent{});
  }
  ImGui::SameLine();
  if (ImGui::Button("Step")) commands.ascent.push_back(StepAscent{});
  ImGui::SameLine();
  if (ImGui::Button("Reset")) commands.ascent.push_back(ResetAscent{});
  ImGui::SameLine();
  if (ImGui::Button("Save")) {
    commands.ascent.push_back(SaveAscent{panel.save_prefix.empty() ? default_prefix(a) : panel.save_prefix});
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1.0f);
  ImGui::InputTextWithHint("##prefix", default_prefix(a).c_str(), &panel.save_prefix);
}

void draw_status(const AscentSnapshot& a) {
  if (a.state == AscentState::Running) {
    ImGui::Text("%s  %d / %d  %.1f steps/s  ETA %.0f s", ascent_state_name(a.state), a.iteration, a.max_iter,
                a.steps_per_second, a.eta_seconds);
  } else if (a.steps_per_second > 0.0) {  // the last run's average, not 0.0
    ImGui::Text("%s  %d / %d  %.1f steps/s (last run)", ascent_state_name(a.state), a.iteration, a.max_iter,
                a.steps_per_second);
  } else {
    ImGui::Text("%s  %d / %d", ascent_state_name(a.state), a.iteration, a.max_iter);
  }
  if (a.best_ii >= 0) ImGui::Text("best %.5g at %d", a.best_obj, a.best_ii);
  if (a.argmax) {
    ImGui::Text("argmax unit %lld%s%s", static_cast<long long>(*a.argmax), a.argmax_label.empty() ? "" : " ",
                a.argmax_label.c_str());
  }
  if (a.majority_ii) {
    ImGui::Text("majority success at %d", *a.majority_ii);
  } else if (a.iteration > 0) {
    ImGui::TextUnformatted("no majority yet");
  }
  if (!a.failure.empty()) ImGui::TextColored(kErrorColour, "stopped: %s", a.failure.c_str());
  if (!a.message.empty()) ImGui::TextWrapped("%s", a.message.c_str());
  if (!a.error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
    ImGui::TextWrapped("%s", a.error.c_str());
    ImGui::PopStyleColor();
  }
}

// Objective against iteration, with a vertical marker at the first majority success, and beside it the histogram
// of the image's pixel values (0..255): clipping and the regularizers' effect show there first.
void draw_plot(const AscentSnapshot& a) {
  if (a.objective.empty()) return;
  char overlay[64];
  std::snprintf(overlay, sizeof overlay, "objective %.4g", static_cast<double>(a.objective.back()));
  const float width = ImGui::GetContentRegionAvail().x;
  ImGui::PlotLines("##objective", a.objective.data(), static_cast<int>(a.objective.size()), 0, overlay, FLT_MAX,
                   FLT_MAX, ImVec2(width * 0.62f, 90.0f));
  const ImVec2 plot_lo = ImGui::GetItemRectMin(), plot_hi = ImGui::GetItemRectMax();
  if (!a.pixel_histogram.empty()) {
    ImGui::SameLine();
    ImGui::PlotHistogram("##pixels", a.pixel_histogram.data(), static_cast<int>(a.pixel_histogram.size()), 0,
                         "pixels 0..255", 0.0f, FLT_MAX, ImVec2(-1.0f, 90.0f));
  }
  if (a.majority_ii && a.objective.size() > 1) {
    const ImVec2 lo = plot_lo;
    const ImVec2 hi = plot_hi;
    const ImVec2 pad = ImGui::GetStyle().FramePadding;
    const float t = static_cast<float>(*a.majority_ii) / static_cast<float>(a.objective.size() - 1);
    const float x = lo.x + pad.x + t * (hi.x - lo.x - 2.0f * pad.x);
    ImGui::GetWindowDrawList()->AddLine(ImVec2(x, lo.y), ImVec2(x, hi.y), IM_COL32(80, 220, 120, 255), 2.0f);
  }
}

}  // namespace

void draw_optimization_panel(const Snapshot& snapshot, AppState& state, Commands& commands) {
  if (!state.show_optimization) return;
  ImGui::SetNextWindowSize(ImVec2(420.0f, 760.0f), ImGuiCond_FirstUseEver);
  if (!ImGui::Begin("Optimization", &state.show_optimization)) {
    report_panel_rect(state.panel_rects, RecordTarget::Optimization);  // collapsed: the title bar
    ImGui::End();
    return;
  }
  const AscentSnapshot& a = *snapshot.ascent;
  AscentPanelState& panel = state.optimization;
  if (!snapshot.engine->model) {
    ImGui::TextUnformatted("Open a model to optimize its units.");
  } else if (!a.has_model) {
    ImGui::TextUnformatted(a.error.empty() ? "Loading the model..." : a.error.c_str());
  } else {
    // Take the session's values back unless the user is editing one or a change is still on its way.
    if (snapshot.ascent_in_sync && !ImGui::IsAnyItemActive()) panel.params = a.params;
    draw_target(snapshot, panel, commands);
    draw_start(snapshot, panel, commands);
    draw_controls(a, panel, commands);
    draw_status(a);
    if (snapshot.ascent_texture != 0) {
      const auto w = static_cast<float>(a.image_rgb.cols);
      const auto h = static_cast<float>(a.image_rgb.rows);
      const ImVec2 avail(ImGui::GetContentRegionAvail().x, 256.0f);
      const float scale = fit_scale(w, h, avail);
      ImGui::Image(texture_id(snapshot.ascent_texture), ImVec2(w * scale, h * scale));
      ImGui::Checkbox("x alone (around gray)", &panel.show_x_alone);
    }
    draw_plot(a);
    bool changed = draw_params(panel.params);
    changed |= draw_lucid_options(panel.params);
    if (changed) commands.ascent.push_back(SetAscentParams{panel.params});
  }
  report_panel_rect(state.panel_rects, RecordTarget::Optimization);  // what R records when this panel is chosen
  ImGui::End();
}

}  // namespace deepvis::app
