#pragma once
// Lucid-style random transforms of the image before each forward, for models of a fixed input size: every
// transform maps an H x W image to an H x W image, linearly (the fill value is 0, i.e. the mean pixel in the
// optimizer's pixel space), so the gradient flows back through the exact adjoint T^T. The kinds:
//   jitter  circular shift by (jy, jx), each uniform in [-jitter, jitter] (DeepDream's np.roll: no border)
//   pad     constant pad by `pad` and crop back H x W at a random offset: a shift by (py, px), each uniform in
//           [-pad, pad], the uncovered border filled with the constant (Lucid's pad + crop)
//   scale   zoom by s, uniform in [scale_min, scale_max], about the image centre, bilinear
//   rotate  by a, uniform in [-rotate, rotate] degrees (counterclockwise on screen), about the centre, bilinear
// A transform is a list of these, applied in its order (TransformList). The optimizer's flags make the list
// jitter, pad, scale, rotate (TransformDraw is one draw of that list).
// Consecutive scales and rotations are one bilinear resampling (a uniform zoom and a rotation about the same centre
// commute, so their composite is exactly a zoom by the product and a rotation by the sum); samples falling outside
// the image read the constant. The list becomes stages of at most 4 (source, weight) taps per output pixel: the
// shifts before each resampling fold into its taps exactly, and each later resampling starts a new stage.
// apply() gathers stage by stage, adjoint() scatters with the same taps in reverse, so <T x, y> = <x, T^T y>
// holds to rounding.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace deepvis::vis {

enum class TransformKind { Jitter, Pad, Scale, Rotate };

// One entry of a transform list, with its random range.
struct TransformStep {
  TransformKind kind = TransformKind::Jitter;
  int pixels = 0;             // jitter, pad: the shift's bound
  double lo = 1.0, hi = 1.0;  // scale: the zoom's range; rotate: hi is the angle's bound in degrees

  static TransformStep jitter(int pixels) { return {TransformKind::Jitter, pixels, 1.0, 1.0}; }
  static TransformStep pad(int pixels) { return {TransformKind::Pad, pixels, 1.0, 1.0}; }
  static TransformStep scale(double lo, double hi) { return {TransformKind::Scale, 0, lo, hi}; }
  static TransformStep rotate(double degrees) { return {TransformKind::Rotate, 0, 0.0, degrees}; }
};
using TransformList = std::vector<TransformStep>;

const char* transform_kind_name(TransformKind k);
std::string describe(const TransformList& list);  // "jitter 8, scale [0.9, 1.1], rotate 10"
std::string validate(const TransformList& list);  // the first out-of-range entry, named; empty when valid
// "pad:12,jitter:8,scale:0.9:1.1,rotate:10": kind:bound for shifts and rotations, kind:lo[:hi] for scale. Throws
// deepvis::Error naming the entry.
TransformList parse_transform_list(const std::string& text);

// What one entry drew: the shift (jitter, pad), the zoom factor (scale) or the angle in degrees (rotate).
struct StepDraw {
  TransformKind kind = TransformKind::Jitter;
  int dy = 0, dx = 0;
  double value = 0.0;
};

// One draw per entry, in the list's order; only entries with a random range consume random numbers.
std::vector<StepDraw> draw_transforms(const TransformList& list, std::mt19937& rng);
void draw_transforms(const TransformList& list, std::mt19937& rng, std::vector<StepDraw>& out);  // reuses `out`

// The flags' fixed list (jitter, pad, scale, rotate) as its ranges, and one draw of it.
struct TransformRanges {
  int jitter = 0;
  int pad = 0;
  double scale_min = 1.0, scale_max = 1.0;
  double rotate_deg = 0.0;
};

struct TransformDraw {
  int jitter_y = 0, jitter_x = 0;
  int pad_y = 0, pad_x = 0;
  double scale = 1.0;
  double angle_deg = 0.0;
};

// One draw; only the enabled transforms consume random numbers (the same numbers as draw_transforms over the list).
TransformDraw draw_transform(const TransformRanges& ranges, std::mt19937& rng);

class ImageTransform {
 public:
  ImageTransform() = default;
  ImageTransform(int64_t height, int64_t width);  // allocates one stage's tap table; identity until set()

  void set(const TransformDraw& draw);           // the flags' list: one stage; allocates nothing
  void set(const std::vector<StepDraw>& draws);  // any list; allocates only when it needs more stages
  const std::vector<StepDraw>& draws() const { return draws_; }
  TransformDraw draw()
      const;  // the draws in the flags' form: the shifts summed, the zooms multiplied, the angles summed
  size_t stages() const { return stages_used_; }

  // out = T x and out = T^T g for `channels` planes of H x W; `out` must not alias the source.
  void apply(const float* x, float* out, int64_t channels) const;
  void adjoint(const float* g, float* out, int64_t channels) const;

 private:
  static constexpr int kTaps = 4;
  struct Stage {
    std::vector<int32_t> source;  // per output pixel, kTaps source indices into the plane (-1: the constant)
    std::vector<float> weight;
  };
  void build_stage(Stage& stage, const StepDraw* first, const StepDraw* last);
  void apply_stage(const Stage& s, const float* x, float* out, int64_t channels) const;
  void adjoint_stage(const Stage& s, const float* g, float* out, int64_t channels) const;

  int64_t h_ = 0, w_ = 0;
  std::vector<StepDraw> draws_;
  std::vector<Stage> stages_;
  size_t stages_used_ = 0;
  mutable std::vector<float> scratch_[2];  // between stages, for lists of more than one
};

}  // namespace deepvis::vis
