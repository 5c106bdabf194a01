#pragma once
// Recording the GUI's window: each frame, after drawing and before the swap, the framebuffer is read back
// asynchronously (PBO ring) and the frame from a frame or two earlier goes to the VideoRecorder's queue, so the
// frame loop waits neither for the read-back nor for the encoder. Lives on the GL thread, inside the window's
// context, which must outlive it.
#include "app/record/record_target.hpp"
#include "app/record/recording_status.hpp"
#include "app/record/video_recorder.hpp"
#include "render/async_readback.hpp"

#include <memory>
#include <optional>
#include <string>

namespace deepvis::app {

class WindowRecorder {
 public:
  WindowRecorder() = default;
  ~WindowRecorder();  // finalizes a recording still running (quit)
  WindowRecorder(const WindowRecorder&) = delete;
  WindowRecorder& operator=(const WindowRecorder&) = delete;

  // Starts recording width x height frames to `path`. Throws deepvis::Error naming the file when it cannot.
  // `target` is what the frames show (the whole window or a panel); it decides how frames of another size fit.
  void start(const std::string& path, int width, int height, double fps, RecorderOptions options = {},
             RecordTarget target = RecordTarget::Window);

  // Once per frame with the bound read framebuffer's size. A frame of another size than the recording's (the
  // window was resized) is cropped or padded with black at the bottom and right, so the video keeps its size.
  void capture(int width, int height);
  // Once per frame with the part of the bound read framebuffer to record (top-left coordinates). For a panel, a
  // region of another size than the recording's (the panel was resized) is scaled, keeping its aspect ratio, to
  // fit the recording's size, centred on black: the panel's content is laid out to fill the panel, so cropping
  // would cut off its images, while scaling keeps the whole panel in view (at its start size, pixels are exact).
  void capture(const cv::Rect& region, int framebuffer_height);

  // Collects the frames still in flight, finalizes the file and returns a line for the user:
  // "recorded N frames to FILE (CODEC), M dropped". "" when nothing was recording.
  std::string stop();

  bool active() const { return recorder_ != nullptr; }
  // When the recording ended by itself (encoder error, disk almost full): finalizes and returns why, once.
  std::optional<std::string> take_failure();
  RecordingStatus status() const;
  RecordTarget target() const { return target_; }  // of the running recording

 private:
  void push(cv::Mat frame);
  std::unique_ptr<VideoRecorder> recorder_;
  std::unique_ptr<render::AsyncReadback> readback_;
  RecordTarget target_ = RecordTarget::Window;
};

// `frame` brought to `size` as a recording of `target` does (see WindowRecorder::capture): for the window,
// cropped or padded with black at the bottom and right; for a panel, scaled keeping its aspect ratio and centred
// on black. The frame itself when it already has that size.
cv::Mat fit_frame(const cv::Mat& frame, cv::Size size, RecordTarget target);

// "deepvis-20261127-153012.mp4" in `folder` (local time): a new name for each recording or screenshot.
std::string timestamped_path(const std::string& folder, const std::string& extension);

}  // namespace deepvis::app
