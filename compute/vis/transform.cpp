#include "compute/vis/transform.hpp"

#include "compute/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace deepvis::vis {

namespace {

bool resamples(TransformKind k) {
  return k == TransformKind::Scale || k == TransformKind::Rotate;
}

}  // namespace

const char* transform_kind_name(TransformKind k) {
  switch (k) {
    case TransformKind::Jitter: return "jitter";
    case TransformKind::Pad: return "pad";
    case TransformKind::Scale: return "scale";
    case TransformKind::Rotate: return "rotate";
  }
  return "?";
}

std::string describe(const TransformList& list) {
  std::ostringstream out;
  for (size_t i = 0; i < list.size(); ++i) {
    const TransformStep& t = list[i];
    out << (i ? ", " : "") << transform_kind_name(t.kind) << ' ';
    if (t.kind == TransformKind::Scale) {
      out << '[' << t.lo << ", " << t.hi << ']';
    } else if (t.kind == TransformKind::Rotate) {
      out << t.hi;
    } else {
      out << t.pixels;
    }
  }
  return out.str();
}

std::string validate(const TransformList& list) {
  for (size_t i = 0; i < list.size(); ++i) {
    const TransformStep& t = list[i];
    const std::string where = "transform " + std::to_string(i + 1) + " (" + transform_kind_name(t.kind) + "): ";
    switch (t.kind) {
      case TransformKind::Jitter:
      case TransformKind::Pad:
        if (t.pixels < 0) return where + "the shift must be non-negative";
        break;
      case TransformKind::Scale:
        if (!(t.lo > 0.0) || !(t.hi >= t.lo) || !std::isfinite(t.hi)) return where + "the range must be 0 < a <= b";
        break;
      case TransformKind::Rotate:
        if (!(t.hi >= 0.0) || t.hi > 180.0) return where + "the angle must be in [0, 180] degrees";
        break;
    }
  }
  return {};
}

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == sep) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

double parse_number(const std::string& text, const std::string& entry) {
  size_t used = 0;
  double v = 0.0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) throw Error("transform '" + entry + "': '" + text + "' is not a number");
  return v;
}

TransformStep parse_entry(const std::string& entry) {
  const std::vector<std::string> f = split(entry, ':');
  const std::string& kind = f[0];
  const size_t args = f.size() - 1;
  if (kind == "scale" && (args == 1 || args == 2)) {
    const double lo = parse_number(f[1], entry);
    return TransformStep::scale(lo, args == 2 ? parse_number(f[2], entry) : lo);
  }
  if ((kind == "jitter" || kind == "pad") && args == 1) {
    const double v = parse_number(f[1], entry);
    if (v != std::floor(v) || std::abs(v) > 1e6) throw Error("transform '" + entry + "': the shift is whole pixels");
    return kind == "jitter" ? TransformStep::jitter(static_cast<int>(v)) : TransformStep::pad(static_cast<int>(v));
  }
  if (kind == "rotate" && args == 1) return TransformStep::rotate(parse_number(f[1], entry));
  throw Error("transform '" + entry + "': expected jitter:N, pad:N, scale:A[:B] or rotate:DEG");
}

}  // namespace

TransformList parse_transform_list(const std::string& text) {
  TransformList list;
  for (const std::string& entry : split(text, ',')) {
    if (entry.empty()) throw Error("transforms '" + text + "': an empty entry");
    list.push_back(parse_entry(entry));
  }
  if (const std::string problem = validate(list); !problem.empty()) throw Error(problem);
  return list;
}

std::vector<StepDraw> draw_transforms(const TransformList& list, std::mt19937& rng) {
  std::vector<StepDraw> draws;
  draw_transforms(list, rng, draws);
  return draws;
}

void draw_transforms(const TransformList& list, std::mt19937& rng, std::vector<StepDraw>& draws) {
  draws.clear();
  for (const TransformStep& t : list) {
    StepDraw d;
    d.kind = t.kind;
    switch (t.kind) {
      case TransformKind::Jitter:
      case TransformKind::Pad:
        if (t.pixels > 0) {
          std::uniform_int_distribution<int> shift(-t.pixels, t.pixels);
          d.dy = shift(rng);
          d.dx = shift(rng);
        }
        break;
      case TransformKind::Scale:
        d.value = t.hi > t.lo ? std::uniform_real_distribution<double>(t.lo, t.hi)(rng) : t.lo;
        break;
      case TransformKind::Rotate:
        if (t.hi > 0.0) d.value = std::uniform_real_distribution<double>(-t.hi, t.hi)(rng);
        break;
    }
    draws.push_back(d);
  }
}

namespace {

TransformList flags_list(const TransformRanges& r) {
  return {TransformStep::jitter(r.jitter), TransformStep::pad(r.pad), TransformStep::scale(r.scale_min, r.scale_max),
          TransformStep::rotate(r.rotate_deg)};
}

std::vector<StepDraw> flags_draws(const TransformDraw& d) {
  return {{TransformKind::Jitter, d.jitter_y, d.jitter_x, 0.0},
          {TransformKind::Pad, d.pad_y, d.pad_x, 0.0},
          {TransformKind::Scale, 0, 0, d.scale},
          {TransformKind::Rotate, 0, 0, d.angle_deg}};
}

}  // namespace

TransformDraw draw_transform(const TransformRanges& r, std::mt19937& rng) {
  const std::vector<StepDraw> d = draw_transforms(flags_list(r), rng);
  return {d[0].dy, d[0].dx, d[1].dy, d[1].dx, d[2].value, d[3].value};
}

ImageTransform::ImageTransform(int64_t height, int64_t width) : h_(height), w_(width) {
  stages_.resize(1);
  set(TransformDraw{});
}

void ImageTransform::set(const TransformDraw& draw) {
  set(flags_draws(draw));
}

void ImageTransform::set(const std::vector<StepDraw>& draws) {
  draws_ = draws;
  // A stage ends after its run of resamplings: the shifts before it fold into its taps.
  stages_used_ = 0;
  const StepDraw* first = draws_.data();
  const StepDraw* end = draws_.data() + draws_.size();
  do {
    const StepDraw* last = first;
    while (last != end && !resamples(last->kind)) ++last;
    while (last != end && resamples(last->kind)) ++last;
    if (stages_used_ == stages_.size()) stages_.emplace_back();
    build_stage(stages_[stages_used_++], first, last);
    first = last;
  } while (first != end);
}

TransformDraw ImageTransform::draw() const {
  TransformDraw d;
  for (const StepDraw& s : draws_) {
    if (s.kind == TransformKind::Jitter) d.jitter_y += s.dy, d.jitter_x += s.dx;
    if (s.kind == TransformKind::Pad) d.pad_y += s.dy, d.pad_x += s.dx;
    if (s.kind == TransformKind::Scale) d.scale *= s.value;
    if (s.kind == TransformKind::Rotate) d.angle_deg += s.value;
  }
  return d;
}

// The stage applies [first, last): integer shifts, then at most one run of zooms and rotations.
void ImageTransform::build_stage(Stage& stage, const StepDraw* first, const StepDraw* last) {
  const size_t n = static_cast<size_t>(h_ * w_ * kTaps);
  stage.source.assign(n, -1);
  stage.weight.assign(n, 0.0f);
  double scale = 1.0, angle_deg = 0.0;
  const StepDraw* shifts_end = first;
  while (shifts_end != last && !resamples(shifts_end->kind)) ++shifts_end;
  for (const StepDraw* s = shifts_end; s != last; ++s) {
    if (s->kind == TransformKind::Scale) scale *= s->value;
    if (s->kind == TransformKind::Rotate) angle_deg += s->value;
  }
  const bool resample = scale != 1.0 || angle_deg != 0.0;
  const double kPi = 3.14159265358979323846;
  const double angle = angle_deg * kPi / 180.0;
  const double cos_a = std::cos(angle) / scale, sin_a = std::sin(angle) / scale;
  const double cy = 0.5 * static_cast<double>(h_ - 1), cx = 0.5 * static_cast<double>(w_ - 1);
  auto wrap = [](int64_t v, int64_t n) { return ((v % n) + n) % n; };
  // A pixel of the shifted image (a, b) read back through the shifts, last applied first, to an index of the
  // stage's input, or -1 for the constant.
  auto source_of = [&](int64_t a, int64_t b) -> int32_t {
    if (a < 0 || a >= h_ || b < 0 || b >= w_) return -1;  // outside the resampled image
    for (const StepDraw* s = shifts_end; s != first;) {
      --s;
      if (s->kind == TransformKind::Jitter) {
        a = wrap(a - s->dy, h_);
        b = wrap(b - s->dx, w_);
      } else {
        a -= s->dy;
        b -= s->dx;
        if (a < 0 || a >= h_ || b < 0 || b >= w_) return -1;  // the pad's constant border
      }
    }
    return static_cast<int32_t>(a * w_ + b);
  };
  for (int64_t i = 0; i < h_; ++i) {
    for (int64_t j = 0; j < w_; ++j) {
      int32_t* src = stage.source.data() + (i * w_ + j) * kTaps;
      float* wt = stage.weight.data() + (i * w_ + j) * kTaps;
      if (!resample) {
        src[0] = source_of(i, j);
        wt[0] = 1.0f;
        continue;
      }
      // Output (i, j) samples the source at the inverse rotation and zoom about the centre.
      const double dy = static_cast<double>(i) - cy, dx = static_cast<double>(j) - cx;
      const double u = cy + sin_a * dx + cos_a * dy;
      const double v = cx + cos_a * dx - sin_a * dy;
      const double u0 = std::floor(u), v0 = std::floor(v);
      const double fu = u - u0, fv = v - v0;
      const auto a = static_cast<int64_t>(u0), b = static_cast<int64_t>(v0);
      const double taps[kTaps] = {(1 - fu) * (1 - fv), (1 - fu) * fv, fu * (1 - fv), fu * fv};
      for (int t = 0; t < kTaps; ++t) {
        src[t] = source_of(a + t / 2, b + t % 2);
        wt[t] = static_cast<float>(taps[t]);
      }
    }
  }
}

void ImageTransform::apply_stage(const Stage& s, const float* x, float* out, int64_t channels) const {
  const int64_t plane = h_ * w_;
  for (int64_t c = 0; c < channels; ++c) {
    const float* xc = x + c * plane;
    float* oc = out + c * plane;
    for (int64_t p = 0; p < plane; ++p) {
      const int32_t* src = s.source.data() + p * kTaps;
      const float* wt = s.weight.data() + p * kTaps;
      float v = 0.0f;
      for (int t = 0; t < kTaps; ++t) {
        if (src[t] >= 0) v += wt[t] * xc[src[t]];
      }
      oc[p] = v;
    }
  }
}

void ImageTransform::adjoint_stage(const Stage& s, const float* g, float* out, int64_t channels) const {
  const int64_t plane = h_ * w_;
  std::fill(out, out + channels * plane, 0.0f);
  for (int64_t c = 0; c < channels; ++c) {
    const float* gc = g + c * plane;
    float* oc = out + c * plane;
    for (int64_t p = 0; p < plane; ++p) {
      const int32_t* src = s.source.data() + p * kTaps;
      const float* wt = s.weight.data() + p * kTaps;
      for (int t = 0; t < kTaps; ++t) {
        if (src[t] >= 0) oc[src[t]] += wt[t] * gc[p];
      }
    }
  }
}

void ImageTransform::apply(const float* x, float* out, int64_t channels) const {
  // Stage by stage, ping-ponging through the scratch planes, the last stage writing `out`.
  const float* in = x;
  for (size_t i = 0; i < stages_used_; ++i) {
    float* dst = out;
    if (i + 1 < stages_used_) {
      std::vector<float>& buf = scratch_[i % 2];
      buf.resize(static_cast<size_t>(channels * h_ * w_));
      dst = buf.data();
    }
    apply_stage(stages_[i], in, dst, channels);
    in = dst;
  }
}

void ImageTransform::adjoint(const float* g, float* out, int64_t channels) const {
  // The transposed chain: the last stage's adjoint first.
  const float* in = g;
  for (size_t k = stages_used_; k-- > 0;) {
    float* dst = out;
    if (k > 0) {
      std::vector<float>& buf = scratch_[k % 2];
      buf.resize(static_cast<size_t>(channels * h_ * w_));
      dst = buf.data();
    }
    adjoint_stage(stages_[k], in, dst, channels);
    in = dst;
  }
}

}  // namespace deepvis::vis
