#pragma once
// A cartoon frontal face (skin-bright oval, dark brows and eyes, bright nose ridge, dark mouth), blurred: enough
// for the Haar frontal-face cascade, which keys on those light/dark bands. For the face-crop tests.
#include <opencv2/core.hpp>

namespace deepvis::test {

// Draws the face centred at (cx, cy), half-height s, into an 8-bit gray image.
void draw_face(cv::Mat& gray, int cx, int cy, int s);

// The gray drawing blurred (sigma in pixels) and as 8-bit RGB.
cv::Mat to_rgb(const cv::Mat& gray, double blur_sigma);

}  // namespace deepvis::test
