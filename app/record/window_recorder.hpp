#pragma once
// Recording the GUI's window: each frame, after drawing and before the swap, the framebuffer is read back
// asynchronously (PBO ring) and the frame from a frame or two earlier goes to the VideoRecorder's queue, so the
// frame loop waits neither for the read-back nor for the encoder. Lives on the GL thread, inside the window's
// context, which must outlive it.
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
  void start(const std::string& path, int width, int height, double fps, RecorderOptions options = {});

  // Once per frame with the bound read framebuffer's size. A frame of another size than the recording's (the
  // window was resized) is cropped or padded with black at the bottom and right, so the video keeps its size.
  void capture(int width, int height);

  // Collects the frames still in flight, finalizes the file and returns a line for the user:
  // "recorded N frames to FILE (CODEC), M dropped". "" when nothing was recording.
  std::string stop();

  bool active() const { return recorder_ != nullptr; }
  // When the recording ended by itself (encoder error, disk almost full): finalizes and returns why, once.
  std::optional<std::string> take_failure();
  RecordingStatus status() const;

 private:
  void push(cv::Mat frame);
  std::unique_ptr<VideoRecorder> recorder_;
  std::unique_ptr<render::AsyncReadback> readback_;
};

// "deepvis-20261127-153012.mp4" in `folder` (local time): a new name for each recording or screenshot.
std::string timestamped_path(const std::string& folder, const std::string& extension);

}  // namespace deepvis::app
