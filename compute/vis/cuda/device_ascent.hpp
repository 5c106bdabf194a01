#pragma once
// The paper's optimizer with everything on the GPU: clip to valid pixels, forward, record, backward, update with
// decay, blur and the percentile clips, all device kernels and the Net's CUDA kernels on one stream. One step is
// captured once as a CUDA graph and replayed; the host reads the records only when asked (or every
// `check_every` steps in run(), to stop early when every unit has stopped). Same semantics, start points and
// records as the host loop (compute/vis/ascent.hpp), for the paper's loop: the neuron objective, pixel
// parameterization, SGD, no random transforms. unsupported() names what else a parameter set asks for, and the
// caller runs vis::AscentRun instead.
#include "compute/core/net.hpp"
#include "compute/cuda/cuda_graph.hpp"
#include "compute/vis/ascent.hpp"
#include "compute/vis/ascent_setup.hpp"

#include <memory>
#include <string>
#include <vector>

namespace deepvis::cuda {

struct DeviceAscentOptions {
  bool cuda_graph = true;  // false: launch the same kernels one by one every step
  int check_every = 50;    // run(): read the running flags every this many steps
};

class DeviceAscentRun {
 public:
  // `net` must run on the CUDA backend; it is re-planned for a batch of params.push_units.size().
  DeviceAscentRun(Net& net, const vis::AscentParams& params, const vis::PixelSpace& space,
                  const Tensor* start_image = nullptr, DeviceAscentOptions options = {});
  ~DeviceAscentRun();
  DeviceAscentRun(const DeviceAscentRun&) = delete;
  DeviceAscentRun& operator=(const DeviceAscentRun&) = delete;

  // Empty when the device loop runs `params`, else what it does not do ("the fft parameterization", ...).
  static std::string unsupported(const vis::AscentParams& params);

  // One iteration for every unit still running; false once every unit has finished (reads K flags).
  bool step();
  // Up to `steps` iterations (all that remain when negative) without a host round trip but the periodic check.
  void run(int steps = -1);
  bool finished();
  int iteration() const { return iteration_; }

  // As vis::AscentRun::update_params: regularizers and schedule from the next step.
  void update_params(const vis::AscentParams& params);
  const vis::AscentParams& params() const { return params_; }

  int units() const { return k_; }
  // The records so far, read from the device.
  const vis::UnitRecord& record(int k);
  // Unit k's best objective so far: one number read back (for progress lines).
  double best_objective(int k);
  Tensor x() const;  // (K, C, H, W) pixel space, on the host
  const vis::PixelSpace& space() const { return space_; }
  int target_blob() const { return blob_; }

  bool graphed() const { return step_.graphed(); }
  // How steps run: "CUDA graph", or why not.
  const std::string& launch_note() const { return step_.note(); }

 private:
  struct Memory;
  void describe_target(const vis::AscentTarget& target);
  void allocate_buffers(int64_t total);
  void initialize_state(const vis::AscentTarget& target, const Tensor* start_image, int64_t total);
  void bind_net();
  void upload_params();
  void body();  // one step's launches, on the context's stream
  void capture();
  void launch_step();
  void read_flags();

  Net& net_;
  vis::AscentParams params_;
  vis::PixelSpace space_;
  DeviceAscentOptions options_;
  int k_ = 0;
  int capacity_ = 0;  // history length allocated (the first max_iter)
  int blob_ = -1;
  std::unique_ptr<Memory> mem_;
  Tensor input_, seed_;
  Gradients grads_;
  std::vector<vis::UnitRecord> records_;
  std::vector<int> running_;
  int iteration_ = 0;
  int graph_key_ = -1;  // which optional kernels the captured step holds
  CapturedWork step_;
};

}  // namespace deepvis::cuda
