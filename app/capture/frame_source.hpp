#pragma once
// Where frames come from: one image, the images of a folder, a video file or a camera. Each source is used by the
// capture thread only. Failures (unreadable image, missing camera, ended video) throw deepvis::Error with a message
// naming the file or device; the capture thread turns them into status messages and keeps the last good frame.
#include <opencv2/core/mat.hpp>

#include <memory>
#include <string>

namespace deepvis::app {

enum class SourceKind { None, Still, Files, Video, Camera };

class FrameSource {
 public:
  virtual ~FrameSource() = default;

  virtual SourceKind kind() const = 0;
  // For the status bar: "cat.png", "shoes/ 3 of 12: boot.png", "clip.avi", "camera 0".
  virtual std::string describe() const = 0;
  // Live sources (video, camera) produce frames continuously; the others one frame per change.
  virtual bool live() const { return false; }
  // The next frame as 8-bit RGB (a new buffer every call) and its display name.
  virtual cv::Mat read(std::string& name) = 0;
  // Seconds between frames of a video file (its own rate); 0 for sources that pace themselves.
  virtual double frame_interval_s() const { return 0.0; }
  // e / w: move by `delta` files, wrapping around. False when the source has no files to step through.
  virtual bool step_file(int /*delta*/) { return false; }
  // Video files: start again at the end instead of reporting that the video ended.
  virtual void set_loop(bool /*loop*/) {}
};

// A folder gives its images, a file with a video extension (.avi, .mp4, .mkv, .mov, .webm, ...) a video source,
// any other file an image source. Throws deepvis::Error when the path does not exist or cannot be opened.
std::unique_ptr<FrameSource> open_source(const std::string& path);

// An image already in memory (the built-in test pattern).
std::unique_ptr<FrameSource> make_still_source(cv::Mat rgb, std::string name);

// A camera by device index, asked for `requested` pixels when that is not empty. Throws deepvis::Error "no camera
// at index N" when it cannot be opened.
std::unique_ptr<FrameSource> open_camera(int index, cv::Size requested = cv::Size());

}  // namespace deepvis::app
