// The engine thread and its hand-over slot: newest frame wins, snapshots arrive without the caller waiting on
// the engine, freeze holds the frame while commands still apply.
#include "app/engine/engine_thread.hpp"
#include "app/capture/latest_frame_slot.hpp"

#include <doctest/doctest.h>
#include <opencv2/core.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

using namespace deepvis::app;

namespace {

const std::string kModel = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";

cv::Mat flat_image(int value) {
  return cv::Mat(40, 40, CV_8UC3, cv::Scalar(value, value, value));
}

// Polls until `done` holds; a generous bound only guards against hanging (no timing is asserted).
std::shared_ptr<const EngineSnapshot> wait_for(const EngineThread& engine,
                                               const std::function<bool(const EngineSnapshot&)>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto snap = engine.latest();
    if (done(*snap)) return snap;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return engine.latest();
}

}  // namespace

TEST_CASE("engine: the slot hands over the newest frame and counts the ones nobody took") {
  LatestFrameSlot slot;
  CHECK(!slot.take_newer(0));
  slot.publish(flat_image(1), "one");
  slot.publish(flat_image(2), "two");
  slot.publish(flat_image(3), "three");
  const auto frame = slot.take_newer(0);
  REQUIRE(frame);
  CHECK(frame->sequence == 3);
  CHECK(frame->name == "three");
  CHECK(frame->rgb.at<cv::Vec3b>(0, 0)[0] == 3);
  CHECK(slot.dropped() == 2);
  CHECK(!slot.take_newer(3));  // nothing newer
  slot.publish(flat_image(4), "four");
  CHECK(slot.take_newer(3)->name == "four");
  CHECK(slot.dropped() == 2);  // taken, not dropped
  CHECK(slot.published() == 4);

  // A wake ends a wait at once; without one, a wait for a frame already there returns too.
  const uint64_t wakes = slot.wakes();
  slot.wake();
  slot.wait(4, wakes, std::chrono::milliseconds(60000));
  slot.wait(3, slot.wakes(), std::chrono::milliseconds(60000));
}

TEST_CASE("engine: the thread computes published frames and publishes immutable snapshots") {
  LatestFrameSlot slot;
  EngineThread engine(slot);
  CHECK(engine.latest()->sequence == 0);
  engine.post_all({LoadModel{kModel}, SelectUnit{2}});
  CHECK(engine.posted() == 2);
  slot.publish(flat_image(200), "bright");
  const auto first = wait_for(engine, [](const EngineSnapshot& s) { return s.frame_sequence == 1 && s.has_results(); });
  INFO(first->error);
  REQUIRE(first->has_results());
  CHECK(first->input_name == "bright");
  CHECK(first->commands_applied == 2);
  CHECK(first->settings.unit == 2);

  // The UI may keep an old snapshot while newer ones arrive: it stays as it was.
  const cv::Mat kept_grid = first->grid_bgr.clone();
  slot.publish(flat_image(0), "dark");
  const auto second = wait_for(engine, [](const EngineSnapshot& s) { return s.frame_sequence == 2; });
  CHECK(second->input_name == "dark");
  CHECK(second->sequence > first->sequence);
  CHECK(cv::norm(kept_grid, first->grid_bgr, cv::NORM_INF) == 0.0);
  CHECK(first->input_name == "bright");
}

TEST_CASE("engine: freeze holds the current frame while commands still apply to it") {
  LatestFrameSlot slot;
  EngineThread engine(slot);
  engine.post(LoadModel{kModel});
  slot.publish(flat_image(120), "first");
  wait_for(engine, [](const EngineSnapshot& s) { return s.frame_sequence == 1; });

  engine.post(SetFrozen{true});
  wait_for(engine, [&](const EngineSnapshot& s) { return s.commands_applied == 2; });
  slot.publish(flat_image(30), "second");
  engine.post(SelectUnit{5});
  const auto frozen = wait_for(engine, [](const EngineSnapshot& s) { return s.commands_applied == 3; });
  CHECK(frozen->settings.frozen);
  CHECK(frozen->settings.unit == 5);   // recomputed...
  CHECK(frozen->frame_sequence == 1);  // ...on the held frame
  CHECK(frozen->input_name == "first");

  engine.post(SetFrozen{false});
  const auto thawed = wait_for(engine, [](const EngineSnapshot& s) { return s.frame_sequence == 2; });
  CHECK(thawed->input_name == "second");
  CHECK(!thawed->settings.frozen);
}
