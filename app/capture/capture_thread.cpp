#include "app/capture/capture_thread.hpp"

#include "compute/core/error.hpp"

#include <opencv2/core.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

namespace deepvis::app {

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

CaptureThread::CaptureThread(LatestFrameSlot& slot) : slot_(slot) {
  // Taking the lock before notifying means a post between the thread's check and its wait is never lost.
  mailbox_.on_post([this] {
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
  });
  thread_ = std::thread([this] { run(); });
}

CaptureThread::~CaptureThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CaptureThread::publish_status() {
  mailbox_.publish(std::make_shared<const CaptureStatus>(status_));
}

void CaptureThread::report(const std::string& message) {
  std::fprintf(stderr, "deepvis: %s\n", message.c_str());
  status_.error = message;
  ++status_.error_count;
  publish_status();
}

void CaptureThread::update_status() {
  status_.kind = source_ ? source_->kind() : SourceKind::None;
  status_.source = source_ ? source_->describe() : std::string();
  status_.paused = paused_;
  publish_status();
}

void CaptureThread::replace_source(std::unique_ptr<FrameSource> source) {
  source->set_loop(loop_);
  if (source->kind() == SourceKind::Camera) {
    if (source_ && source_->kind() != SourceKind::Camera) files_before_camera_ = std::move(source_);
  } else {
    files_before_camera_.reset();
  }
  source_ = std::move(source);
  need_frame_ = true;
  paused_ = false;
  stalled_ = false;
}

void CaptureThread::apply(CaptureCommand& command) {
  try {
    std::visit(Overloaded{
                   [&](OpenPath& c) { replace_source(open_source(c.path)); },
                   [&](OpenStill& c) { replace_source(make_still_source(std::move(c.rgb), std::move(c.name))); },
                   [&](OpenCamera& c) {
                     // A camera opened without a size (the menu) keeps the size asked for before (--camera-size).
                     if (c.width <= 0 || c.height <= 0) {
                       c.width = camera_.width;
                       c.height = camera_.height;
                     }
                     camera_ = c;
                     replace_source(open_camera(c.index, cv::Size(c.width, c.height)));
                   },
                   [&](StepFile& c) {
                     if (source_ && source_->step_file(c.delta)) {
                       need_frame_ = true;
                     } else {
                       report("next/previous file: the current source has no files to step through");
                     }
                   },
                   [&](TogglePause&) {
                     if (source_ && source_->live()) paused_ = !paused_;
                   },
                   [&](StepFrame&) {
                     paused_ = true;
                     step_ = true;
                   },
                   [&](SetLoop& c) {
                     loop_ = c.loop;
                     if (source_) source_->set_loop(loop_);
                     stalled_ = false;
                   },
                   [&](SwitchCameraFiles&) {
                     if (source_ && source_->kind() == SourceKind::Camera) {
                       if (!files_before_camera_) throw Error("no files to switch back to; open an image or folder");
                       source_ = std::move(files_before_camera_);
                       need_frame_ = true;
                       paused_ = false;
                       stalled_ = false;
                     } else {
                       try {
                         replace_source(open_camera(camera_.index, cv::Size(camera_.width, camera_.height)));
                       } catch (const Error& e) {
                         throw Error(std::string(e.what()) + "; staying on the files");
                       }
                     }
                   },
               },
               command);
  } catch (const Error& e) {
    report(e.what());
  }
  update_status();
}

void CaptureThread::read_frame() {
  try {
    Frame frame;
    frame.captured_at = std::chrono::steady_clock::now();
    frame.rgb = source_->read(frame.name);
    frame.capture_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - frame.captured_at).count();
    frame.still = !source_->live();
    slot_.publish(std::move(frame));
    need_frame_ = false;
  } catch (const Error& e) {
    // Keep the last good frame in the slot; a still source waits for the next command, a live one stops retrying.
    need_frame_ = false;
    stalled_ = source_->live();
    report(e.what());
  } catch (const cv::Exception& e) {
    need_frame_ = false;
    stalled_ = source_->live();
    report(std::string("reading a frame failed: ") + e.what());
  }
  step_ = false;
  update_status();
}

void CaptureThread::run() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point next_due = Clock::now();
  auto woken = [&] { return stop_ || mailbox_.has_commands(); };
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    lock.unlock();
    std::vector<CaptureCommand> commands = mailbox_.take_commands();
    for (CaptureCommand& command : commands) {
      apply(command);
      ++status_.commands_done;
      publish_status();
    }
    lock.lock();
    if (!commands.empty()) continue;
    const bool live = source_ && source_->live() && !stalled_;
    const bool want = source_ && (need_frame_ || (live && (!paused_ || step_)));
    if (!want) {
      wake_.wait(lock, woken);
      continue;
    }
    if (live && !step_ && !need_frame_) {
      // Pace video files at their own rate; commands cut the wait short.
      if (wake_.wait_until(lock, next_due, woken)) continue;
    }
    lock.unlock();
    read_frame();
    if (source_) {
      const auto interval =
          std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(source_->frame_interval_s()));
      next_due = std::max(next_due + interval, Clock::now() - interval);
    }
    lock.lock();
  }
}

}  // namespace deepvis::app
