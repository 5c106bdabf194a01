#pragma once
// The face crop for a stream of frames (the live GUI's webcam or video). A whole-frame Haar search of a 640x480
// frame took 100-170 ms on the 2-core dev machine, more than the DenseNet-121 forward it feeds; between frames a
// face moves little, so the next search covers only the neighbourhood of the last face, at sizes near its size.
// Every few frames the whole frame is searched again, so that a larger face entering it is taken, as
// find_face_crop would: only for faces at least near the followed one's size (find_face_crop takes the largest
// face, and a Haar search skipping the small window sizes costs a fraction of a full one: 9-12 ms instead of
// ~55 ms on 640x480 here, the periodic stall of a live face crop). The same search is the first try when the
// near one misses (the face moved further). When it finds nothing either, a full whole-frame search runs. With
// no face in view the whole frame is searched again every few frames only, and at half resolution (~4x cheaper),
// so a face that appears is taken a few frames late. A scene cut forgets the followed face, as a new source does.
// An unchanged frame (a still image) reuses the last answer, so
// stills get exactly find_face_crop's box, frame after frame.
#include "compute/image/face_crop.hpp"

#include <cstdint>
#include <string>

namespace deepvis {

class FaceTracker {
 public:
  // Whole: find_face_crop's search; Larger: the whole frame for faces not much smaller than the followed one;
  // Near: around the followed face; Coarse: the whole frame at half resolution (no face in view); Reused: none.
  enum class Search { Whole, Larger, Near, Coarse, Reused };

  // A whole-frame search at least this often (frames) while a face is followed,
  static constexpr int kWholeEvery = 10;
  // and this often while none is in view.
  static constexpr int kLookAgainEvery = 4;
  // A scene cut (a video's next shot, the next file of a folder): the mean absolute difference of the two frames'
  // 32x32 gray thumbnails, in levels of 255, above which the last face's place says nothing about the new frame,
  // and the search starts afresh. A face moving, or a larger one entering, stays far below it.
  static constexpr double kCutDifference = 24.0;

  // An empty path: default_face_cascade_path(), looked up at each search (as find_face_crop(rgb) does).
  explicit FaceTracker(std::string cascade_path = "");

  // The face crop of the next frame (8-bit RGB). Throws like find_face_crop.
  FaceCrop next(const cv::Mat& rgb);
  // How the last next() searched.
  Search last_search() const { return last_search_; }
  // Forget the last face (a new input source).
  void reset();

 private:
  std::string cascade() const { return cascade_path_.empty() ? default_face_cascade_path() : cascade_path_; }

  std::string cascade_path_;
  cv::Mat last_frame_;  // a copy, to recognise an unchanged frame
  cv::Mat last_thumb_;  // its 32x32 gray thumbnail, to recognise a cut
  FaceCrop last_;
  int since_whole_ = 0;
  Search last_search_ = Search::Whole;
};

}  // namespace deepvis
