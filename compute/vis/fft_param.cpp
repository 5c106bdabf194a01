#include "compute/vis/fft_param.hpp"

#include "compute/core/error.hpp"

#include <algorithm>
#include <cmath>

namespace deepvis::vis {

const double kColorCorrelationSqrt[3][3] = {{0.26, 0.09, 0.02}, {0.27, 0.00, -0.05}, {0.27, -0.09, 0.03}};

namespace {

// numpy.fft.fftfreq(n)[k]
double fftfreq(int64_t k, int64_t n) {
  return static_cast<double>(k <= (n - 1) / 2 ? k : k - n) / static_cast<double>(n);
}

void invert3(const double m[3][3], double out[3][3]) {
  const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                     m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                     m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      // Cofactor of (j, i), transposed.
      const int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
      out[i][j] = (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]) / det;
    }
  }
}

}  // namespace

FftParam::FftParam(int64_t channels, int64_t height, int64_t width, bool bgr) : h_(height), w_(width) {
  if (channels != 3) {
    throw Error("--param fft decorrelates colour: it needs a 3-channel model; this one has " +
                std::to_string(channels) + " channel" + (channels == 1 ? "" : "s"));
  }
  alpha_ = 255.0 / (16.0 * std::sqrt(static_cast<double>(h_ * w_)));
  double max_norm = 0.0;
  for (int j = 0; j < 3; ++j) {
    double n = 0.0;
    for (int r = 0; r < 3; ++r) n += kColorCorrelationSqrt[r][j] * kColorCorrelationSqrt[r][j];
    max_norm = std::max(max_norm, std::sqrt(n));
  }
  for (int c = 0; c < 3; ++c) {
    const int rgb_row = bgr ? 2 - c : c;
    for (int j = 0; j < 3; ++j) mix_[c][j] = kColorCorrelationSqrt[rgb_row][j] / max_norm;
  }
  invert3(mix_, unmix_);
  const double floor_freq = 1.0 / static_cast<double>(std::max(h_, w_));
  scale_.resize(static_cast<size_t>(h_ * w_));
  for (int64_t ky = 0; ky < h_; ++ky) {
    for (int64_t kx = 0; kx < w_; ++kx) {
      const double fy = fftfreq(ky, h_), fx = fftfreq(kx, w_);
      scale_[static_cast<size_t>(ky * w_ + kx)] = 1.0 / std::max(std::sqrt(fy * fy + fx * fx), floor_freq);
    }
  }
  const int hi = static_cast<int>(h_), wi = static_cast<int>(w_);
  complex_ = cv::Mat(hi, wi, CV_64FC2, cv::Scalar::all(0));
  result_ = cv::Mat(hi, wi, CV_64FC2, cv::Scalar::all(0));
  planes_.assign(static_cast<size_t>(3 * h_ * w_), 0.0);
  forward_ = cv::hal::DFT2D::create(wi, hi, CV_64F, 2, 2, 0);
  inverse_ = cv::hal::DFT2D::create(wi, hi, CV_64F, 2, 2, cv::DFT_INVERSE);
}

void FftParam::dft(bool inverse) {
  (inverse ? inverse_ : forward_)->apply(complex_.data, complex_.step, result_.data, result_.step);
}

void FftParam::decode(const float* spectrum, float* image) {
  const int64_t plane = h_ * w_;
  for (int j = 0; j < 3; ++j) {
    const float* s = spectrum + j * plane * 2;
    auto* z = reinterpret_cast<double*>(complex_.data);
    for (int64_t p = 0; p < plane; ++p) {
      const double c = scale_[static_cast<size_t>(p)];
      z[2 * p] = c * s[2 * p];
      z[2 * p + 1] = c * s[2 * p + 1];
    }
    dft(true);
    const auto* r = reinterpret_cast<const double*>(result_.data);
    double* y = planes_.data() + j * plane;
    for (int64_t p = 0; p < plane; ++p) y[p] = alpha_ * r[2 * p];
  }
  for (int c = 0; c < 3; ++c) {
    float* x = image + c * plane;
    for (int64_t p = 0; p < plane; ++p) {
      x[p] = static_cast<float>(mix_[c][0] * planes_[static_cast<size_t>(p)] +
                                mix_[c][1] * planes_[static_cast<size_t>(plane + p)] +
                                mix_[c][2] * planes_[static_cast<size_t>(2 * plane + p)]);
    }
  }
}

void FftParam::adjoint(const float* image_grad, float* spectrum_grad) {
  const int64_t plane = h_ * w_;
  for (int j = 0; j < 3; ++j) {
    auto* z = reinterpret_cast<double*>(complex_.data);
    for (int64_t p = 0; p < plane; ++p) {
      z[2 * p] =
          mix_[0][j] * image_grad[p] + mix_[1][j] * image_grad[plane + p] + mix_[2][j] * image_grad[2 * plane + p];
      z[2 * p + 1] = 0.0;
    }
    dft(false);
    const auto* r = reinterpret_cast<const double*>(result_.data);
    float* s = spectrum_grad + j * plane * 2;
    for (int64_t p = 0; p < plane; ++p) {
      const double c = alpha_ * scale_[static_cast<size_t>(p)];
      s[2 * p] = static_cast<float>(c * r[2 * p]);
      s[2 * p + 1] = static_cast<float>(c * r[2 * p + 1]);
    }
  }
}

void FftParam::encode(const float* image, float* spectrum) {
  const int64_t plane = h_ * w_;
  const double n = static_cast<double>(plane);
  for (int j = 0; j < 3; ++j) {
    auto* z = reinterpret_cast<double*>(complex_.data);
    for (int64_t p = 0; p < plane; ++p) {
      z[2 * p] = unmix_[j][0] * image[p] + unmix_[j][1] * image[plane + p] + unmix_[j][2] * image[2 * plane + p];
      z[2 * p + 1] = 0.0;
    }
    dft(false);
    const auto* r = reinterpret_cast<const double*>(result_.data);
    float* s = spectrum + j * plane * 2;
    for (int64_t p = 0; p < plane; ++p) {
      const double c = 1.0 / (alpha_ * n * scale_[static_cast<size_t>(p)]);
      s[2 * p] = static_cast<float>(c * r[2 * p]);
      s[2 * p + 1] = static_cast<float>(c * r[2 * p + 1]);
    }
  }
}

}  // namespace deepvis::vis
