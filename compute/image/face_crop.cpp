#include "compute/image/face_crop.hpp"

#include "compute/core/error.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace deepvis {

namespace {

constexpr const char* kCascadeFile = "haarcascade_frontalface_default.xml";

// Loaded cascades by path. A CascadeClassifier keeps scratch buffers, so detection runs under the same lock.
std::mutex& cascade_mutex() {
  static std::mutex m;
  return m;
}

cv::CascadeClassifier& cascade_locked(const std::string& path) {
  static std::map<std::string, std::unique_ptr<cv::CascadeClassifier>> loaded;
  auto it = loaded.find(path);
  if (it != loaded.end()) return *it->second;
  const std::string hint =
      " (install Debian's opencv-data, or point DEEPVIS_HAAR_CASCADE at " + std::string(kCascadeFile) + ")";
  if (!std::filesystem::is_regular_file(path)) throw Error("face detector cascade '" + path + "' not found" + hint);
  auto cascade = std::make_unique<cv::CascadeClassifier>();
  bool ok = false;
  try {
    ok = cascade->load(path);
  } catch (const cv::Exception& e) {
    throw Error("face detector cascade '" + path + "' cannot be loaded: " + e.what() + hint);
  }
  if (!ok || cascade->empty()) throw Error("face detector cascade '" + path + "' is not a cascade file" + hint);
  return *loaded.emplace(path, std::move(cascade)).first->second;
}

}  // namespace

std::string default_face_cascade_path() {
  if (const char* env = std::getenv("DEEPVIS_HAAR_CASCADE"); env && *env) return env;
  std::string debian = std::string("/usr/share/opencv4/haarcascades/") + kCascadeFile;
  std::string older = std::string("/usr/share/opencv/haarcascades/") + kCascadeFile;
  if (!std::filesystem::exists(debian) && std::filesystem::exists(older)) return older;
  return debian;
}

cv::Rect expand_face_box(cv::Rect face, cv::Size image) {
  const int w = static_cast<int>(std::lround(face.width * 1.2));
  const int h = static_cast<int>(std::lround(face.height * 1.2));
  return cv::Rect(face.x, face.y, w, h) & cv::Rect(0, 0, image.width, image.height);
}

cv::Rect centre_square(cv::Size image) {
  const int side = std::min(image.width, image.height);
  return cv::Rect((image.width - side) / 2, (image.height - side) / 2, side, side);
}

FaceCrop find_face_crop(const cv::Mat& rgb) {
  return find_face_crop(rgb, default_face_cascade_path());
}

cv::Mat face_gray(const cv::Mat& rgb) {
  if (rgb.empty() || rgb.depth() != CV_8U || (rgb.channels() != 3 && rgb.channels() != 1)) {
    throw Error("face crop: expected an 8-bit RGB image");
  }
  cv::Mat gray;
  if (rgb.channels() == 3)
    cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
  else
    gray = rgb.clone();
  return gray;
}

std::vector<cv::Rect> detect_faces(const cv::Mat& gray, int min_side, int max_side, const std::string& cascade_path) {
  cv::Mat equalized;
  cv::equalizeHist(gray, equalized);
  std::vector<cv::Rect> faces;
  std::lock_guard<std::mutex> lock(cascade_mutex());
  cascade_locked(cascade_path)
      .detectMultiScale(equalized, faces, 1.1, 5, cv::CASCADE_SCALE_IMAGE, cv::Size(min_side, min_side),
                        cv::Size(max_side, max_side));
  return faces;
}

int whole_search_min_side(cv::Size image) {
  return std::max(24, std::min(image.width, image.height) / 10);
}

FaceCrop face_crop_from(const std::vector<cv::Rect>& faces, cv::Point offset, cv::Size image) {
  FaceCrop crop;
  if (faces.empty()) {
    crop.box = centre_square(image);
    return crop;
  }
  const auto largest = std::max_element(faces.begin(), faces.end(),
                                        [](const cv::Rect& a, const cv::Rect& b) { return a.area() < b.area(); });
  crop.found = true;
  crop.face = *largest + offset;
  crop.box = expand_face_box(crop.face, image);
  return crop;
}

FaceCrop find_face_crop(const cv::Mat& rgb, const std::string& cascade_path) {
  return find_face_crop_in_gray(face_gray(rgb), cascade_path);
}

FaceCrop find_face_crop_in_gray(const cv::Mat& gray, const std::string& cascade_path) {
  return face_crop_from(detect_faces(gray, whole_search_min_side(gray.size()), 0, cascade_path), cv::Point(0, 0),
                        gray.size());
}

}  // namespace deepvis
