#include "compute/image/face_tracker.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

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

cv::Mat thumbnail(const cv::Mat& rgb) {
  cv::Mat gray, thumb;
  cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
  cv::resize(gray, thumb, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
  return thumb;
}

}  // namespace

FaceTracker::FaceTracker(std::string cascade_path) : cascade_path_(std::move(cascade_path)) {}

void FaceTracker::reset() {
  last_frame_.release();
  last_thumb_.release();
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
  cv::Mat thumb = thumbnail(rgb);
  if (!last_thumb_.empty()) {
    cv::Mat difference;
    cv::absdiff(thumb, last_thumb_, difference);
    if (cv::mean(difference)[0] > kCutDifference) reset();
  }
  last_thumb_ = std::move(thumb);
  rgb.copyTo(last_frame_);
  ++since_whole_;
  cv::Mat frame_gray;  // the whole frame in gray, made once for whichever whole-frame searches this frame needs
  const auto whole_gray = [&]() -> const cv::Mat& {
    if (frame_gray.empty()) frame_gray = face_gray(rgb);
    return frame_gray;
  };
  if (!last_.box.empty() && !last_.found) {
    if (since_whole_ < kLookAgainEvery) {
      last_search_ = Search::Reused;
      return last_;
    }
    // No face in view: look again over the whole frame at half resolution, a quarter of the pixels (the smallest
    // face find_face_crop takes is still at least the cascade's 24 px window there). Once a face is found, the
    // near search follows it at full resolution.
    const cv::Mat& gray = whole_gray();
    cv::Mat half;
    cv::resize(gray, half, cv::Size(gray.cols / 2, gray.rows / 2), 0, 0, cv::INTER_AREA);
    std::vector<cv::Rect> faces =
        detect_faces(half, std::max(24, whole_search_min_side(gray.size()) / 2), 0, cascade());
    for (cv::Rect& f : faces) f = cv::Rect(f.x * 2, f.y * 2, f.width * 2, f.height * 2);
    since_whole_ = 0;
    last_search_ = Search::Coarse;
    last_ = face_crop_from(faces, cv::Point(0, 0), rgb.size());
    return last_;
  }
  if (last_.found) {
    const cv::Rect face = last_.face;
    const int side = std::max(face.width, face.height);
    if (since_whole_ < kWholeEvery) {
      // Twice the last face's side around its centre, sizes from 0.7x to 1.4x of it.
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
    // The periodic look for a larger face, and the first try when the face left the neighbourhood: the whole
    // frame, sizes from 0.7x the followed face's up.
    const cv::Mat& gray = whole_gray();
    const int min_side = std::max(whole_search_min_side(gray.size()), side * 7 / 10);
    FaceCrop larger = face_crop_from(detect_faces(gray, min_side, 0, cascade()), cv::Point(0, 0), rgb.size());
    if (larger.found) {
      since_whole_ = 0;
      last_search_ = Search::Larger;
      last_ = larger;
      return last_;
    }
  }
  since_whole_ = 0;
  last_search_ = Search::Whole;
  last_ = find_face_crop_in_gray(whole_gray(), cascade());
  return last_;
}

}  // namespace deepvis
