#pragma once
// Face crop for models trained on face crops (the fr_expression showcase): OpenCV's Haar frontal-face cascade
// from Debian's opencv-data, with the box expanded 1.2x in width and height from its top-left corner, as that
// model's authors crop.
#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include <string>
#include <vector>

namespace deepvis {

struct FaceCrop {
  cv::Rect box;        // in image pixels, clipped to the image; the centre square when no face was found
  bool found = false;  // false: no face, `box` is the fallback centre crop
  cv::Rect face;       // the detector's own box (before growing), when found
};

// The largest face in an 8-bit RGB image. Throws deepvis::Error when the cascade file cannot be loaded
// (opencv-data missing), naming the path it tried.
FaceCrop find_face_crop(const cv::Mat& rgb);

// The same with an explicit cascade file. Each file is loaded once per process (thread-safe) and kept.
FaceCrop find_face_crop(const cv::Mat& rgb, const std::string& cascade_path);

// The cascade find_face_crop(rgb) uses: $DEEPVIS_HAAR_CASCADE when set, else Debian's
// /usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml, else the same under /usr/share/opencv.
std::string default_face_cascade_path();

// The steps of find_face_crop, for searches of part of an image (compute/image/face_tracker.hpp):
// an 8-bit RGB (or gray) image as gray, throwing deepvis::Error for anything else;
cv::Mat face_gray(const cv::Mat& rgb);
// the faces in (part of) a gray image, histogram-equalized first, with sides in [min_side, max_side] (max_side 0:
// no limit);
std::vector<cv::Rect> detect_faces(const cv::Mat& gray, int min_side, int max_side, const std::string& cascade_path);

// The smallest face side find_face_crop looks for in an image of this size: a tenth of its shorter side, at least
// the cascade's 24 (smaller faces are more often texture than faces).
int whole_search_min_side(cv::Size image);
// find_face_crop on face_gray's result (for a caller that already has it);
FaceCrop find_face_crop_in_gray(const cv::Mat& gray, const std::string& cascade_path);
// the crop of the largest of `faces` (found at `offset` in an image of size `image`), else the centre square.
FaceCrop face_crop_from(const std::vector<cv::Rect>& faces, cv::Point offset, cv::Size image);

// A detected box grown to 1.2x its width and height with its top-left corner fixed, clipped to the image.
cv::Rect expand_face_box(cv::Rect face, cv::Size image);

// The largest centred square of the image: the fallback when no face is found.
cv::Rect centre_square(cv::Size image);

}  // namespace deepvis
