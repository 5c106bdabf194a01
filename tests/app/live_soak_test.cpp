// The soak: 5,000 frames of the sample video, looping, through the live pipeline without a window (the capture
// source, the newest-frame slot, the engine thread with the Fashion-MNIST model computing the forward pass, the
// selected unit's guided backward view and the grid, and the snapshots the UI would read). Resident memory after
// the warm-up and at the end must stay within 5%: a per-frame leak of even a small image would break that.
#include "app/capture/frame_source.hpp"
#include "app/capture/latest_frame_slot.hpp"
#include "app/engine/engine_thread.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

using namespace deepvis::app;

namespace {

// Resident set size in bytes, from /proc/self/statm (its second field, in pages).
double resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  REQUIRE(f);
  unsigned long size = 0;
  unsigned long resident = 0;
  const int read = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  REQUIRE(read == 2);
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Waits until the engine has published a snapshot of frame `sequence` (or later); false after a generous bound.
std::shared_ptr<const EngineSnapshot> wait_for_frame(const EngineThread& engine, uint64_t sequence) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::shared_ptr<const EngineSnapshot> snap = engine.latest();
    if (snap->frame_sequence >= sequence) return snap;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return nullptr;
}

}  // namespace

TEST_CASE("live: a soak of 5000 video frames through capture and engine grows resident memory by under 5%") {
  const std::string video = std::string(DEEPVIS_SOURCE_DIR) + "/samples/sample_video.avi";
  const std::string model = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";
  REQUIRE_MESSAGE(std::filesystem::exists(video), "run scripts/make-samples first: " << video);
  constexpr int kWarmup = 300;
  constexpr int kFrames = 5000;

  std::unique_ptr<FrameSource> source = open_source(video);
  source->set_loop(true);
  LatestFrameSlot slot;
  EngineThread engine(slot);
  engine.post_all({LoadModel{model}, SetBackward{BackwardView::Guided}, SetBackwardDisplay{BackwardDisplay::NormBlur},
                   SetColormap{deepvis::Colormap::Jet}});

  const auto start = std::chrono::steady_clock::now();
  double warm_bytes = 0.0;
  int loops = 0;
  std::shared_ptr<const EngineSnapshot> shown;  // what the UI holds between frames
  for (int i = 1; i <= kFrames; ++i) {
    std::string name;
    cv::Mat rgb = source->read(name);
    if (name.size() > 3 && name.compare(name.size() - 3, 3, " #1") == 0) ++loops;
    slot.publish(std::move(rgb), name);
    shown = wait_for_frame(engine, slot.published());
    REQUIRE_MESSAGE(shown, "the engine did not compute frame " << i);
    if (i == 1 || i == kFrames) {
      INFO(shown->error);
      REQUIRE(shown->has_results());
      REQUIRE(!shown->backward_bgr.empty());  // the backward view ran too
    }
    if (i == kWarmup) warm_bytes = resident_bytes();
  }
  const double end_bytes = resident_bytes();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("soak: " << kFrames << " frames (" << loops << " passes over the video) in " << seconds << " s; resident "
                   << warm_bytes / 1048576.0 << " MiB after " << kWarmup << " frames, " << end_bytes / 1048576.0
                   << " MiB at the end (" << 100.0 * (end_bytes / warm_bytes - 1.0) << "%)");
  CHECK(shown->frame_sequence == static_cast<uint64_t>(kFrames));
  CHECK(slot.dropped() == 0);  // every frame was computed, none skipped
  CHECK(loops >= 2);           // the video really looped, re-opening included in the soak
  CHECK(end_bytes < warm_bytes * 1.05);
}
