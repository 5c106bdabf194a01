#pragma once
// A piece of stream work captured once as a CUDA graph and replayed: for loops that launch the same kernels on the
// same buffers every step (the optimizer, a benchmark's step). When capture fails (a library call that cannot be
// captured), the work runs eagerly instead and note() says why.
#include <functional>
#include <string>

namespace deepvis::cuda {

class CapturedWork {
 public:
  CapturedWork() = default;
  ~CapturedWork();
  CapturedWork(const CapturedWork&) = delete;
  CapturedWork& operator=(const CapturedWork&) = delete;

  // Captures `work` (which must only enqueue on the context's stream) without running it. Replaces any earlier
  // capture. With `use_graph` false, launch() just calls `work`.
  void capture(std::function<void()> work, bool use_graph = true);
  // Replays the graph (or calls the work) on the context's stream; returns without waiting.
  void launch();
  bool graphed() const { return exec_ != nullptr; }
  const std::string& note() const { return note_; }

 private:
  void release();
  std::function<void()> work_;
  void* graph_ = nullptr;  // cudaGraph_t
  void* exec_ = nullptr;   // cudaGraphExec_t
  std::string note_;
};

}  // namespace deepvis::cuda
