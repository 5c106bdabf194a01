#include "compute/vis/ascent_report.hpp"

#include "compute/core/error.hpp"
#include "compute/vis/input_space_image.hpp"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace deepvis::vis {

cv::Mat display_x(const Tensor& x, bool bgr_channels) {
  return signed_to_bgr_image(x.reshaped({1, x.dim(0), x.dim(1), x.dim(2)}), bgr_channels);
}

cv::Mat display_xpm(const Tensor& x, const PixelSpace& space, bool bgr_channels) {
  const int64_t channels = x.dim(0);
  const int h = static_cast<int>(x.dim(1));
  const int w = static_cast<int>(x.dim(2));
  cv::Mat out(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    auto* row = out.ptr<cv::Vec3b>(y);
    for (int xx = 0; xx < w; ++xx) {
      for (int c = 0; c < 3; ++c) {
        const int64_t src = channels >= 3 ? (bgr_channels ? c : 2 - c) : 0;
        const float v = x.at((src * h + y) * w + xx) + space.offset[static_cast<size_t>(src)];
        row[xx][c] = static_cast<uint8_t>(std::lround(std::clamp(v, 0.0f, 255.0f)));
      }
    }
  }
  return out;
}

namespace {

// The original's parameters, with its names.
nlohmann::json paper_params_json(const AscentParams& p) {
  nlohmann::json j = {{"push_layer", p.push_layer},
                      {"push_units", p.push_units},
                      {"push_dir", p.push_dir},
                      {"start_at", start_at_name(p.start_at)},
                      {"rand_seed", p.seed},
                      {"decay", p.decay},
                      {"blur_radius", p.blur_radius},
                      {"blur_every", p.blur_every},
                      {"small_val_percentile", p.small_val_percentile},
                      {"small_norm_percentile", p.small_norm_percentile},
                      {"px_benefit_percentile", p.px_benefit_percentile},
                      {"px_abs_benefit_percentile", p.px_abs_benefit_percentile},
                      {"lr_policy", lr_policy_name(p.lr_policy)},
                      {"max_iter", p.max_iter}};
  nlohmann::json lr;
  switch (p.lr_policy) {
    case LrPolicy::Constant: lr = {{"lr", p.lr}}; break;
    case LrPolicy::Progress: lr = {{"max_lr", p.max_lr}, {"desired_prog", p.desired_prog}}; break;
    case LrPolicy::Progress01:
      lr = {{"max_lr", p.max_lr}, {"early_prog", p.early_prog}, {"late_prog_mult", p.late_prog_mult}};
      break;
  }
  j["lr_params"] = lr;
  if (p.push_y) j["push_spatial"] = {*p.push_y, *p.push_x};
  if (!p.start_image.empty()) j["start_image"] = p.start_image;
  return j;
}

// Beyond the original: always recorded, so that every info.json says which loop made it.
void add_objective_json(const AscentParams& p, nlohmann::json& j) {
  j["objective"] = objective_name(p.objective);
  if (!p.direction.empty()) {
    double norm_sq = 0.0;
    for (float d : p.direction) norm_sq += static_cast<double>(d) * d;
    j["direction_file"] = p.direction_file;
    j["direction_norm"] = std::sqrt(norm_sq);
  }
  if (p.objective == ObjectiveKind::Diversity) j["diversity_weight"] = p.diversity_weight;
  if (!p.objective_expr.empty()) {  // a composed objective (never set by the CLI): it replaces `objective`
    nlohmann::json terms = nlohmann::json::array();
    for (const ObjectiveTerm& t : p.objective_expr.terms()) {
      nlohmann::json term = {{"kind", objective_name(t.kind)}, {"weight", t.weight}};
      if (!t.direction.empty()) term["direction"] = t.direction;
      if (t.kind == ObjectiveKind::Diversity) term["diversity_weight"] = t.diversity_weight;
      terms.push_back(term);
    }
    j["objective_expr"] = {{"text", p.objective_expr.describe()}, {"terms", terms}};
  }
}

void add_transforms_json(const AscentParams& p, nlohmann::json& j) {
  j["transforms"] = {
      {"jitter", p.jitter}, {"pad", p.pad}, {"scale_range", {p.scale_min, p.scale_max}}, {"rotate_deg", p.rotate_deg}};
  if (p.transforms.empty()) return;
  nlohmann::json list = nlohmann::json::array();  // a list (--transforms): it replaces the four fields above
  for (const TransformStep& t : p.transforms) {
    nlohmann::json entry = {{"kind", transform_kind_name(t.kind)}};
    if (t.kind == TransformKind::Scale) entry["range"] = {t.lo, t.hi};
    if (t.kind == TransformKind::Rotate) entry["deg"] = t.hi;
    if (t.kind == TransformKind::Jitter || t.kind == TransformKind::Pad) entry["pixels"] = t.pixels;
    list.push_back(entry);
  }
  j["transform_list"] = list;
}

}  // namespace

nlohmann::json params_json(const AscentParams& p) {
  nlohmann::json j = paper_params_json(p);
  add_objective_json(p, j);
  add_transforms_json(p, j);
  j["param"] = param_name(p.param);
  j["optimizer"] = optimizer_name(p.optimizer);
  if (p.optimizer == OptimizerKind::Adam) {
    j["adam"] = {{"beta1", p.beta1}, {"beta2", p.beta2}, {"eps", p.adam_eps}};
  }
  return j;
}

nlohmann::json results_json(const UnitRecord& r) {
  nlohmann::json j = {{"unit", r.unit},       {"best_obj", r.best_obj},
                      {"best_ii", r.best_ii}, {"last_obj", r.last_obj},
                      {"last_ii", r.last_ii}, {"meta_result", r.meta_result()},
                      {"ii", r.ii},           {"obj", r.obj},
                      {"idxmax", r.idxmax},   {"norm", r.norm},
                      {"dist", r.dist},       {"std", r.std}};
  j["majority_obj"] = r.majority_obj ? nlohmann::json(*r.majority_obj) : nlohmann::json(nullptr);
  j["majority_ii"] = r.majority_ii ? nlohmann::json(*r.majority_ii) : nlohmann::json(nullptr);
  j["failure"] = r.failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.failure);
  return j;
}

namespace {

void write_png(const std::string& path, const cv::Mat& image) {
  bool ok = false;
  try {
    ok = cv::imwrite(path, image);
  } catch (const cv::Exception& e) {
    throw OutputError("cannot write '" + path + "': " + e.what());
  }
  if (!ok) throw OutputError("cannot write '" + path + "' (missing folder or disk full?)");
}

}  // namespace

std::vector<std::string> write_unit_outputs(const std::string& prefix, const AscentRun& run, int k, bool bgr_channels,
                                            bool unit_in_name, const nlohmann::json& extra,
                                            const std::optional<ImageCrop>& crop) {
  return write_unit_outputs(prefix, run.params(), run.space(), run.record(k), bgr_channels, unit_in_name, extra, crop);
}

std::vector<std::string> write_unit_outputs(const std::string& prefix, const AscentParams& params,
                                            const PixelSpace& space, const UnitRecord& r, bool bgr_channels,
                                            bool unit_in_name, const nlohmann::json& extra,
                                            const std::optional<ImageCrop>& crop) {
  char unit[32];
  std::snprintf(unit, sizeof unit, "_unit%04lld", static_cast<long long>(r.unit));
  const std::string base = prefix + (unit_in_name ? unit : "");
  std::vector<std::string> paths = {base + "_best_X.png", base + "_best_Xpm.png", base + "_info.json"};
  const cv::Mat x_image = display_x(r.best_x, bgr_channels), xpm_image = display_xpm(r.best_x, space, bgr_channels);
  write_png(paths[0], x_image);
  write_png(paths[1], xpm_image);
  nlohmann::json info = {{"params", params_json(params)}, {"results", results_json(r)}};
  if (crop) {  // the unit's receptive field, as the original shows a conv unit's image
    const cv::Rect rect(static_cast<int>(crop->x0), static_cast<int>(crop->y0), static_cast<int>(crop->width),
                        static_cast<int>(crop->height));
    paths.push_back(base + "_best_X_rf.png");
    paths.push_back(base + "_best_Xpm_rf.png");
    write_png(paths[3], x_image(rect));
    write_png(paths[4], xpm_image(rect));
    info["receptive_field"] = {{"rows", {crop->y0, crop->y0 + crop->height - 1}},
                               {"cols", {crop->x0, crop->x0 + crop->width - 1}}};
  }
  info["params"]["push_unit"] = r.unit;
  for (const auto& [key, value] : extra.items()) info[key] = value;
  const std::string tmp = paths[2] + ".part";
  {
    std::ofstream out(tmp);
    out << info.dump(1) << "\n";
    if (!out.flush()) {
      std::remove(tmp.c_str());
      throw OutputError("cannot write '" + paths[2] + "' (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), paths[2].c_str()) != 0) throw OutputError("cannot write '" + paths[2] + "'");
  return paths;
}

}  // namespace deepvis::vis
