#pragma once
// What an optimization run leaves behind, with the original's names: PREFIX_best_X.png (x alone, mapped
// around gray), PREFIX_best_Xpm.png (x plus the mean, i.e. the actual pixels) and PREFIX_info.json with
// `params` and `results` (best_obj, best_ii, majority_obj, majority_ii, last_obj, meta_result, and the arrays
// ii, obj, idxmax, norm, dist, std).
#include "compute/vis/ascent.hpp"
#include "compute/vis/receptive_field.hpp"

#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>

#include <string>

namespace deepvis::vis {

// x (C, H, W) in pixel space as an 8-bit BGR image for display: 128 + 127 * x / max|x|.
cv::Mat display_x(const Tensor& x, bool bgr_channels);
// x + p0, the pixels themselves, clamped to 0..255, as 8-bit BGR.
cv::Mat display_xpm(const Tensor& x, const PixelSpace& space, bool bgr_channels);

nlohmann::json params_json(const AscentParams& p);
nlohmann::json results_json(const UnitRecord& r);

// Writes the PNGs and info.json of unit k. The files are named PREFIX_best_X.png etc., or with `_unitNNNN`
// after the prefix when `unit_in_name`. With `crop` (a conv unit's receptive field, ascent_unit_crop), also
// PREFIX_best_X_rf.png and PREFIX_best_Xpm_rf.png cropped to it, and info.json's "receptive_field". Returns the
// paths written. Throws deepvis::Error naming a file that cannot be written.
std::vector<std::string> write_unit_outputs(const std::string& prefix, const AscentRun& run, int k, bool bgr_channels,
                                            bool unit_in_name, const nlohmann::json& extra = {},
                                            const std::optional<ImageCrop>& crop = std::nullopt);
// The same from a record of any loop (the GPU loop's included).
std::vector<std::string> write_unit_outputs(const std::string& prefix, const AscentParams& params,
                                            const PixelSpace& space, const UnitRecord& record, bool bgr_channels,
                                            bool unit_in_name, const nlohmann::json& extra = {},
                                            const std::optional<ImageCrop>& crop = std::nullopt);

}  // namespace deepvis::vis
