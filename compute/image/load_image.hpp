#pragma once
// Reading images from disk with errors that name the file and the reason.
#include <opencv2/core/mat.hpp>

#include <string>

namespace deepvis {

// Loads an image as 8-bit RGB (3 channels, RGB order). Grayscale and RGBA files are converted.
// Throws deepvis::Error naming the file when it is missing, unreadable or not a decodable image.
cv::Mat load_image_rgb(const std::string& path);

}  // namespace deepvis
