#include "compute/vis/ascent_setup.hpp"

#include "compute/core/error.hpp"
#include "compute/vis/ascent.hpp"

#include <algorithm>
#include <random>

namespace deepvis::vis {

std::optional<ImageCrop> ascent_unit_crop(const Net& net, const AscentParams& params) {
  const int blob = net.blob_id(params.push_layer);
  const Dims& out = net.blob_dims(blob);
  if (out.size() != 4 || (out[2] == 1 && out[3] == 1)) return std::nullopt;
  const Dims& in = net.input_dims();
  const ReceptiveField field = receptive_fields(net.graph())[static_cast<size_t>(blob)];
  return unit_crop(field, params.push_y.value_or(out[2] / 2), params.push_x.value_or(out[3] / 2), in[2], in[3]);
}

AscentTarget resolve_ascent_target(const Net& net, const AscentParams& params) {
  AscentTarget t;
  t.blob = net.blob_id(params.push_layer);
  const Dims& in = net.input_dims();
  if (in.size() != 4) throw Error("the optimizer needs an image input (N,C,H,W), the model has " + to_string(in));
  t.channels = in[1];
  t.height = in[2];
  t.width = in[3];

  const Dims& out = net.blob_dims(t.blob);
  t.spatial = out.size() == 4 && (out[2] > 1 || out[3] > 1);
  for (int64_t u : params.push_units) {
    if (u < 0 || u >= out.at(1)) {
      throw Error("layer '" + params.push_layer + "' (" + to_string(out) + ") has no unit " + std::to_string(u));
    }
  }
  if (t.spatial) {
    t.pos_y = params.push_y.value_or(out[2] / 2);
    t.pos_x = params.push_x.value_or(out[3] / 2);
    if (t.pos_y < 0 || t.pos_y >= out[2] || t.pos_x < 0 || t.pos_x >= out[3]) {
      throw Error("layer '" + params.push_layer + "' (" + to_string(out) + ") has no position " +
                  std::to_string(t.pos_y) + ":" + std::to_string(t.pos_x));
    }
  } else if (params.push_y && (*params.push_y != 0 || *params.push_x != 0)) {
    throw Error("layer '" + params.push_layer + "' (" + to_string(out) + ") has no spatial positions");
  }
  return t;
}

Tensor ascent_start_points(const AscentParams& params, const PixelSpace& space, const AscentTarget& target,
                           const Tensor* start_image) {
  const int64_t k_units = static_cast<int64_t>(params.push_units.size());
  const int64_t plane = target.height * target.width;
  const int64_t image_size = target.channels * plane;
  std::mt19937 rng(params.seed);
  Tensor start({target.channels, target.height, target.width});
  switch (params.start_at) {
    case StartAt::MeanPlusRand: {
      std::normal_distribution<float> noise(0.0f, 10.0f);
      for (int64_t i = 0; i < image_size; ++i) start.at(i) = noise(rng);
      break;
    }
    case StartAt::Randu: {
      std::uniform_real_distribution<float> u(0.0f, 255.0f);
      for (int64_t i = 0; i < image_size; ++i) start.at(i) = u(rng) - space.offset[static_cast<size_t>(i / plane)];
      break;
    }
    case StartAt::Image:
      if (!start_image || start_image->numel() != image_size) throw Error("the start image has the wrong size");
      for (int64_t i = 0; i < image_size; ++i) {
        start.at(i) = start_image->at(i) / space.gain[static_cast<size_t>(i / plane)];
      }
      break;
    case StartAt::Mean: break;
  }
  Tensor x({k_units, target.channels, target.height, target.width});
  for (int64_t k = 0; k < k_units; ++k) std::copy(start.data(), start.data() + image_size, x.data() + k * image_size);
  if (params.objective == ObjectiveKind::Diversity &&
      (params.start_at == StartAt::MeanPlusRand || params.start_at == StartAt::Randu)) {
    std::normal_distribution<float> noise(0.0f, 10.0f);
    std::uniform_real_distribution<float> u(0.0f, 255.0f);
    for (int64_t k = 1; k < k_units; ++k) {
      float* xk = x.data() + k * image_size;
      for (int64_t i = 0; i < image_size; ++i) {
        xk[i] = params.start_at == StartAt::MeanPlusRand ? noise(rng)
                                                         : u(rng) - space.offset[static_cast<size_t>(i / plane)];
      }
    }
  }
  return x;
}

}  // namespace deepvis::vis
