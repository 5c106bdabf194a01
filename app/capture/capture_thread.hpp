#pragma once
// The capture thread: owns the frame source, reads frames (videos at their own rate, cameras as they deliver,
// images once per change) and publishes each into a LatestFrameSlot. Commands (open, next file, pause, ...) are
// queued and carried out by the thread, so no caller ever waits for a file or a camera. Every failure becomes a
// status message (also printed on stderr); the last good frame stays in the slot.
#include "app/capture/capture_command.hpp"
#include "app/capture/frame_source.hpp"
#include "app/capture/latest_frame_slot.hpp"
#include "app/mailbox.hpp"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace deepvis::app {

struct CaptureStatus {
  SourceKind kind = SourceKind::None;
  std::string source;  // the source's description; "" when none is open
  bool paused = false;
  std::string error;           // the last failure, "" when none
  uint64_t error_count = 0;    // failures so far: tells a new message from an old one
  uint64_t commands_done = 0;  // commands carried out so far
};

class CaptureThread {
 public:
  explicit CaptureThread(LatestFrameSlot& slot);
  ~CaptureThread();  // stops and joins
  CaptureThread(const CaptureThread&) = delete;
  CaptureThread& operator=(const CaptureThread&) = delete;

  // Queues a command; returns at once.
  void post(CaptureCommand command) { mailbox_.post(std::move(command)); }
  uint64_t commands_posted() const { return mailbox_.posted(); }

  // A copy of the newest status (a pointer copy under a short lock, never held while reading a frame).
  CaptureStatus status() const { return *mailbox_.latest(); }

 private:
  void run();
  void apply(CaptureCommand& command);
  void replace_source(std::unique_ptr<FrameSource> source);
  void read_frame();
  void report(const std::string& message);
  void update_status();
  void publish_status();

  LatestFrameSlot& slot_;
  // The one worker pattern (app/mailbox.hpp): commands in, the newest status out.
  Mailbox<CaptureCommand, CaptureStatus> mailbox_;
  std::mutex mutex_;  // guards stop_; the thread waits on wake_ for a command, a stop or a frame's time
  std::condition_variable wake_;
  bool stop_ = false;
  CaptureStatus status_;  // the capture thread's working copy, published after each change

  // Touched by the capture thread only.
  std::unique_ptr<FrameSource> source_;
  std::unique_ptr<FrameSource> files_before_camera_;  // what `c` switches back to
  bool need_frame_ = false;                           // a still source changed and has not been read yet
  bool paused_ = false;
  bool step_ = false;     // read one frame while paused
  bool stalled_ = false;  // a live source failed: wait for a command instead of retrying in a loop
  bool loop_ = true;
  OpenCamera camera_;  // the last camera asked for: what `c` switches to

  std::thread thread_;  // last: started after every other member is ready
};

}  // namespace deepvis::app
