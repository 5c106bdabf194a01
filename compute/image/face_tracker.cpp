#include "compute/image/face_tracker.hpp"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

namespace deepvis {

namespace {

bool same_pixels(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return false;
  for (int r = 0; r < a.rows; ++r) {
    if (std::memcmp(a.ptr(r), b.ptr(r), a.cols * a.elemSize()) != 0) return false;
  }
  return true;
}

}  // namespace

FaceTracker::FaceTracker(std::string cascade_path) : cascade_path_(std::move(cascade_path)) {}

void FaceTracker::reset() {
  last_frame_.release();
  last_ = FaceCrop{};
  since_whole_ = 0;
}

FaceCrop FaceTracker::next(const cv::Mat& rgb) {
  // Another frame size is another source: the last answer's boxes belong to the old frames.
  if (!last_frame_.empty() && rgb.size() != last_frame_.size()) reset();
  if (!last_frame_.empty() && same_pixels(rgb, last_frame_)) {
    last_search_ = Search::Reused;
    return last_;
  }
  rgb.copyTo(last_frame_);
  ++since_whole_;
  if (!last_.box.empty() && !last_.found && since_whole_ < kLookAgainEvery) {
    last_search_ = Search::Reused;
    return last_;
  }
  if (last_.found && since_whole_ < kWholeEvery) {
    // Twice the last face's side around its centre, sizes from 0.7x to 1.4x of it.
    const cv::Rect face = last_.face;
    const int side = std::max(face.width, face.height);
    const cv::Rect image(0, 0, rgb.cols, rgb.rows);
    const cv::Rect around =
        cv::Rect(face.x - side / 2, face.y - side / 2, face.width + side, face.height + side) & image;
    const int min_side = std::max(24, side * 7 / 10);
    const int max_side = side * 14 / 10;
    if (around.width >= min_side && around.height >= min_side) {
      const cv::Mat gray = face_gray(rgb(around));
      FaceCrop near = face_crop_from(detect_faces(gray, min_side, max_side, cascade()), around.tl(), rgb.size());
      if (near.found) {
        last_search_ = Search::Near;
        last_ = near;
        return last_;
      }
    }
  }
  since_whole_ = 0;
  last_search_ = Search::Whole;
  last_ = find_face_crop(rgb, cascade());
  return last_;
}

}  // namespace deepvis
