#pragma once
// Lucid's FFT parameterization with decorrelated colour, as a linear map P from a spectrum s to an image x in the
// optimizer's pixel space (3 channels only):
//   y_j = alpha * Re(IDFT(c . s_j))   for each decorrelated channel j = 0..2; s_j is a full H x W complex spectrum
//                                     (interleaved re, im); IDFT unnormalized, e^{+2 pi i k.n / N}
//   c(k) = 1 / max(|f(k)|, 1 / max(H, W)),  f = numpy.fft.fftfreq per axis  (Lucid's 1/f scale, decay power 1)
//   x(n) = M y(n) per pixel, M = Lucid's ImageNet colour correlation square root, normalized by its largest column
//          norm (the published numbers; rows in R, G, B order, permuted for BGR models)
//   alpha = 255 / (16 sqrt(H W)): Lucid's sqrt(HW) spectrum scale, its image / 4, and its sigmoid's slope 1/4 at
//          mid-grey times 255, so that near mid-grey a spectrum step moves pixels as Lucid's does.
// Lucid squashes with a sigmoid; here P stays linear so that the paper's pixel-space steps (clip to valid pixels,
// decay, blur, percentile clips) still apply to x, with s = P^+ x implied (see AscentRun). Its adjoint:
//   P^T g: h = M^T g per pixel, then (P^T g)_j = alpha * c . DFT(h_j)   (real and imaginary parts)
// and its pseudo-inverse P^+ x = DFT(M^-1 x) / (alpha N c) (P P^+ = I; exact on the Hermitian spectra of real
// images, which every gradient step keeps).
#include <opencv2/core.hpp>
#include <opencv2/core/hal/hal.hpp>

#include <cstdint>
#include <vector>

namespace deepvis::vis {

// Lucid's color_correlation_svd_sqrt, rows R, G, B.
extern const double kColorCorrelationSqrt[3][3];

class FftParam {
 public:
  FftParam() = default;
  // Throws deepvis::Error unless channels == 3. `bgr`: the model's channels are B, G, R.
  FftParam(int64_t channels, int64_t height, int64_t width, bool bgr);

  int64_t spectrum_size() const { return 3 * h_ * w_ * 2; }  // floats per image
  double alpha() const { return alpha_; }
  double frequency_scale(int64_t ky, int64_t kx) const { return scale_[static_cast<size_t>(ky * w_ + kx)]; }
  double mix(int c, int j) const { return mix_[c][j]; }  // M, in the model's channel order

  // All allocate nothing (the DFT plans and scratch are made by the constructor).
  void decode(const float* spectrum, float* image);             // image = P spectrum
  void adjoint(const float* image_grad, float* spectrum_grad);  // P^T
  void encode(const float* image, float* spectrum);             // P^+

 private:
  void dft(bool inverse);  // complex_ -> result_

  int64_t h_ = 0, w_ = 0;
  double alpha_ = 0.0;
  double mix_[3][3] = {};
  double unmix_[3][3] = {};
  std::vector<double> scale_;   // c(k), H x W
  cv::Mat complex_, result_;    // H x W CV_64FC2
  std::vector<double> planes_;  // 3 x H x W: y or h
  cv::Ptr<cv::hal::DFT2D> forward_, inverse_;
};

}  // namespace deepvis::vis
