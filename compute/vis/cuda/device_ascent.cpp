#include "compute/vis/cuda/device_ascent.hpp"

#include "compute/core/error.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/cuda_graph.hpp"
#include "compute/vis/ascent_setup.hpp"
#include "compute/vis/cuda/ascent_kernels.hpp"
#include "compute/vis/regularizers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace deepvis::cuda {

namespace {

constexpr const char* kWhere = "optimizer on the GPU";

cudaStream_t stream() {
  return CudaContext::instance().stream();
}

template <class T>
void to_host(std::vector<T>& dst, const T* src, size_t count) {
  dst.resize(count);
  if (count == 0) return;
  DEEPVIS_CUDA_CALL(kWhere, cudaMemcpyAsync, dst.data(), src, count * sizeof(T), cudaMemcpyDeviceToHost, stream());
}

template <class T>
void to_device(T* dst, const T* src, size_t count) {
  DEEPVIS_CUDA_CALL(kWhere, cudaMemcpyAsync, dst, src, count * sizeof(T), cudaMemcpyHostToDevice, stream());
  CudaContext::instance().synchronize(kWhere);  // the host source may change as soon as we return
}

// Bit 0 blur, bits 1..4 the four percentile clips: the optional kernels a captured step holds.
int graph_key(const vis::AscentParams& p) {
  return (p.blur_every > 0 && p.blur_radius > 0.0 ? 1 : 0) | (p.small_val_percentile > 0 ? 2 : 0) |
         (p.small_norm_percentile > 0 ? 4 : 0) | (p.px_benefit_percentile > 0 ? 8 : 0) |
         (p.px_abs_benefit_percentile > 0 ? 16 : 0);
}

}  // namespace

struct DeviceAscentRun::Memory {
  std::vector<std::shared_ptr<void>> owned;
  AscentDeviceBuffers b;
  AscentDeviceParams host_params;

  template <class T>
  T* alloc(int64_t count, const char* what) {
    owned.push_back(device_alloc(static_cast<std::size_t>(std::max<int64_t>(count, 1)) * sizeof(T), what, kWhere));
    DEEPVIS_CUDA_CALL(kWhere, cudaMemsetAsync, owned.back().get(), 0,
                      static_cast<std::size_t>(std::max<int64_t>(count, 1)) * sizeof(T), stream());
    return static_cast<T*>(owned.back().get());
  }
};

std::string DeviceAscentRun::unsupported(const vis::AscentParams& p) {
  if (!p.objective_expr.empty()) return "a composed objective";
  if (p.objective != vis::ObjectiveKind::Neuron) {
    return std::string("the ") + vis::objective_name(p.objective) + " objective";
  }
  if (p.param != vis::ParamKind::Pixel) return "the fft parameterization";
  if (p.optimizer != vis::OptimizerKind::Sgd) return "the adam optimizer";
  if (p.transforms_on()) return "random transforms";
  if (p.blur_every > 0 && p.blur_radius > 0.0 &&
      vis::scipy_gaussian_kernel(p.blur_radius).size() > static_cast<size_t>(kAscentMaxTaps)) {
    return "a blur radius above " + std::to_string((kAscentMaxTaps - 1) / 8);
  }
  return {};
}

DeviceAscentRun::DeviceAscentRun(Net& net, const vis::AscentParams& params, const vis::PixelSpace& space,
                                 const Tensor* start_image, DeviceAscentOptions options)
    : net_(net), params_(params), space_(space), options_(options), mem_(std::make_unique<Memory>()) {
  if (net_.backend().device() != Device::Cuda) throw Error("the GPU optimizer needs a net on the cuda backend");
  if (const std::string problem = vis::validate(params_); !problem.empty()) throw Error(problem);
  if (const std::string what = unsupported(params_); !what.empty()) {
    throw Error("the GPU optimizer does not run " + what + "; use the host loop");
  }
  k_ = static_cast<int>(params_.push_units.size());
  if (net_.batch() != k_) net_.set_batch(k_);
  const vis::AscentTarget target = vis::resolve_ascent_target(net_, params_);
  if (static_cast<int64_t>(space_.gain.size()) != target.channels) {
    throw Error("pixel space has the wrong channel count");
  }
  blob_ = target.blob;
  capacity_ = params_.max_iter;
  const int64_t total = target.channels * target.height * target.width * k_;
  describe_target(target);
  allocate_buffers(total);
  initialize_state(target, start_image, total);
  bind_net();
}

// The image's and the target layer's shape, as the kernels index them.
void DeviceAscentRun::describe_target(const vis::AscentTarget& target) {
  const Dims& out = net_.blob_dims(blob_);
  AscentDeviceBuffers& b = mem_->b;
  b.k = k_;
  b.c = checked_int(target.channels, kWhere);
  b.h = checked_int(target.height, kWhere);
  b.w = checked_int(target.width, kWhere);
  int64_t per_item = 1;
  for (size_t d = 1; d < out.size(); ++d) per_item *= out[d];
  b.act_per_item = per_item;
  b.act_channels = checked_int(out.at(1), kWhere);
  b.act_plane = per_item / out.at(1);
  b.act_offset = target.spatial ? target.pos_y * out[3] + target.pos_x : 0;
}

// Every device buffer of the loop, sized once for K units, `total` pixels and max_iter steps of history.
void DeviceAscentRun::allocate_buffers(int64_t total) {
  AscentDeviceBuffers& b = mem_->b;
  b.units = mem_->alloc<int64_t>(k_, "units");
  to_device(const_cast<int64_t*>(b.units), params_.push_units.data(), params_.push_units.size());
  b.gain = mem_->alloc<float>(b.c, "gain");
  to_device(const_cast<float*>(b.gain), space_.gain.data(), space_.gain.size());
  b.offset = mem_->alloc<float>(b.c, "offset");
  to_device(const_cast<float*>(b.offset), space_.offset.data(), space_.offset.size());
  b.params = mem_->alloc<AscentDeviceParams>(1, "parameters");
  b.iteration = mem_->alloc<int>(1, "iteration");
  b.running = mem_->alloc<int>(k_, "running flags");
  b.failure = mem_->alloc<int>(k_, "failures");
  b.failure_ii = mem_->alloc<int>(k_, "failure iterations");
  b.updated = mem_->alloc<int>(k_, "updated flags");
  b.last_ii = mem_->alloc<int>(k_, "last iterations");
  b.x = mem_->alloc<float>(total, "x");
  b.x0 = mem_->alloc<float>(total, "x0");
  b.grad_pix = mem_->alloc<float>(total, "pixel gradient");
  b.tmp = mem_->alloc<float>(total, "blur scratch");
  b.per_pixel = mem_->alloc<float>(int64_t{k_} * b.h * b.w, "per-pixel values");
  b.sums = mem_->alloc<double>(int64_t{k_} * 4, "per-step sums");
  b.flags = mem_->alloc<int>(int64_t{k_} * 3, "per-step flags");
  b.step_lr = mem_->alloc<double>(k_, "learning rates");
  b.threshold = mem_->alloc<double>(k_, "clip thresholds");
  b.keys = mem_->alloc<uint64_t>(total, "sort keys");
  b.sorted = mem_->alloc<uint64_t>(total, "sorted keys");
  int unit_bits = 0;
  while ((int64_t{1} << unit_bits) < k_) ++unit_bits;
  b.sort_bits = 32 + unit_bits;
  b.sort_temp_bytes = ascent_sort_temp_bytes(total, b.sort_bits);
  b.sort_temp = mem_->alloc<char>(static_cast<int64_t>(b.sort_temp_bytes), "sort scratch");
  const int64_t history = int64_t{k_} * capacity_;
  b.obj = mem_->alloc<double>(history, "objective history");
  b.norm = mem_->alloc<double>(history, "norm history");
  b.dist = mem_->alloc<double>(history, "distance history");
  b.stdev = mem_->alloc<double>(history, "std history");
  b.idxmax = mem_->alloc<int>(history, "argmax history");
  b.best_obj = mem_->alloc<double>(k_, "best objective");
  b.best_ii = mem_->alloc<int>(k_, "best iteration");
  b.majority_obj = mem_->alloc<double>(k_, "majority objective");
  b.majority_ii = mem_->alloc<int>(k_, "majority iteration");
  b.best_x = mem_->alloc<float>(total, "best x");
  b.majority_x = mem_->alloc<float>(total, "majority x");
  b.last_x = mem_->alloc<float>(total, "last x");
}

// The records' starting values and the start points, x0 beside x.
void DeviceAscentRun::initialize_state(const vis::AscentTarget& target, const Tensor* start_image, int64_t total) {
  AscentDeviceBuffers& b = mem_->b;
  const std::vector<int> ones(static_cast<size_t>(k_), 1), minus(static_cast<size_t>(k_), -1);
  to_device(b.running, ones.data(), ones.size());
  to_device(b.best_ii, minus.data(), minus.size());
  to_device(b.majority_ii, minus.data(), minus.size());
  to_device(b.last_ii, minus.data(), minus.size());
  const std::vector<double> lowest(static_cast<size_t>(k_), -std::numeric_limits<double>::infinity());
  to_device(b.best_obj, lowest.data(), lowest.size());

  const Tensor start = vis::ascent_start_points(params_, space_, target, start_image);
  to_device(b.x, start.data(), static_cast<size_t>(total));
  DEEPVIS_CUDA_CALL(kWhere, cudaMemcpyAsync, const_cast<float*>(b.x0), b.x, static_cast<std::size_t>(total) * 4,
                    cudaMemcpyDeviceToDevice, stream());
}

// The net's input, seed and gradients the loop works in; then one warm-up run and the capture.
void DeviceAscentRun::bind_net() {
  AscentDeviceBuffers& b = mem_->b;
  const Dims& out = net_.blob_dims(blob_);
  input_ = net_.backend().allocate(net_.input_dims());
  b.input = input_.data();
  seed_ = net_.backend().allocate(out);
  grads_ = net_.make_gradients();
  b.grad_net = grads_.device_at(net_.graph().input).data();
  upload_params();
  ascent_seed(b, seed_.data(), seed_.numel(), stream());

  records_.resize(static_cast<size_t>(k_));
  running_.assign(static_cast<size_t>(k_), 1);
  for (int k = 0; k < k_; ++k) records_[static_cast<size_t>(k)].unit = params_.push_units[static_cast<size_t>(k)];

  // One forward and backward outside any capture, so every library has made its lazy allocations before.
  net_.forward(input_, blob_);
  net_.backward_from(blob_, seed_, BackwardMode::Gradient, grads_);
  CudaContext::instance().synchronize(kWhere);
  capture();
}

DeviceAscentRun::~DeviceAscentRun() = default;

void DeviceAscentRun::upload_params() {
  AscentDeviceParams& p = mem_->host_params;
  p = AscentDeviceParams{};
  p.decay = params_.decay;
  p.lr_policy = static_cast<int>(params_.lr_policy);
  p.lr = params_.lr;
  p.max_lr = params_.max_lr;
  p.desired_prog = params_.desired_prog;
  p.early_prog = params_.early_prog;
  p.late_prog_mult = params_.late_prog_mult;
  p.max_iter = params_.max_iter;
  p.blur_every = params_.blur_every;
  p.blur_on = params_.blur_every > 0 && params_.blur_radius > 0.0 ? 1 : 0;
  if (p.blur_on) {
    const std::vector<double> weights = vis::scipy_gaussian_kernel(params_.blur_radius);
    p.blur_radius = static_cast<int>(weights.size() / 2);
    std::copy(weights.begin(), weights.end(), p.blur_weights);
  }
  p.q_val = params_.small_val_percentile;
  p.q_norm = params_.small_norm_percentile;
  p.q_benefit = params_.px_benefit_percentile;
  p.q_abs_benefit = params_.px_abs_benefit_percentile;
  p.push_dir = static_cast<float>(params_.push_dir);
  to_device(const_cast<AscentDeviceParams*>(mem_->b.params), &p, 1);
}

void DeviceAscentRun::body() {
  const AscentDeviceBuffers& b = mem_->b;
  ascent_prepare_input(b, stream());
  net_.forward(input_, blob_);
  ascent_record(b, net_.device_blob(blob_).data(), stream());
  net_.backward_from(blob_, seed_, BackwardMode::Gradient, grads_);
  ascent_update(b, stream());
  if (params_.blur_every > 0 && params_.blur_radius > 0.0) ascent_blur(b, stream());
  if (params_.small_val_percentile > 0) ascent_clip(b, 0, stream());
  if (params_.small_norm_percentile > 0) ascent_clip(b, 1, stream());
  if (params_.px_benefit_percentile > 0) ascent_clip(b, 2, stream());
  if (params_.px_abs_benefit_percentile > 0) ascent_clip(b, 3, stream());
  ascent_finish(b, stream());
}

void DeviceAscentRun::capture() {
  graph_key_ = graph_key(params_);
  // A node on the CPU fallback copies to the host inside the step, which no graph can capture: launch eagerly.
  step_.capture([this] { body(); }, options_.cuda_graph && net_.host_fallback_nodes().empty());
}

void DeviceAscentRun::launch_step() {
  step_.launch();
  net_.values_changed();  // the replay wrote the net's blobs behind Net::forward's back
  ++iteration_;
}

void DeviceAscentRun::read_flags() {
  to_host(running_, mem_->b.running, static_cast<size_t>(k_));
  CudaContext::instance().synchronize(kWhere);
}

bool DeviceAscentRun::finished() {
  if (iteration_ >= params_.max_iter) return true;
  read_flags();
  if (std::any_of(running_.begin(), running_.end(), [](int r) { return r != 0; })) return false;
  // Every unit stopped, maybe some launches ago (run() looks every check_every steps): the run ended one
  // iteration after the last one recorded, as the host loop counts.
  std::vector<int> last_ii;
  to_host(last_ii, mem_->b.last_ii, static_cast<size_t>(k_));
  CudaContext::instance().synchronize(kWhere);
  iteration_ = std::min(iteration_, *std::max_element(last_ii.begin(), last_ii.end()) + 1);
  return true;
}

bool DeviceAscentRun::step() {
  if (finished()) return false;
  launch_step();
  return !finished();
}

void DeviceAscentRun::run(int steps) {
  int left = params_.max_iter - iteration_;
  if (steps >= 0) left = std::min(left, steps);
  const int every = std::max(1, options_.check_every);
  for (int done = 0; done < left; ++done) {
    if (done % every == 0 && finished()) return;
    launch_step();
  }
  CudaContext::instance().synchronize(kWhere);
}

void DeviceAscentRun::update_params(const vis::AscentParams& params) {
  vis::AscentParams next = vis::keep_run_definition(params_, params);
  next.max_iter = std::min(params.max_iter, capacity_);
  if (const std::string problem = vis::validate(next); !problem.empty()) throw Error(problem);
  if (const std::string what = unsupported(next); !what.empty()) {
    throw Error("the GPU optimizer does not run " + what + "; use the host loop");
  }
  params_ = next;
  upload_params();
  if (graph_key(params_) != graph_key_) capture();
}

Tensor DeviceAscentRun::x() const {
  Tensor host({int64_t{k_}, int64_t{mem_->b.c}, int64_t{mem_->b.h}, int64_t{mem_->b.w}});
  DEEPVIS_CUDA_CALL(kWhere, cudaMemcpyAsync, host.data(), mem_->b.x, static_cast<std::size_t>(host.numel()) * 4,
                    cudaMemcpyDeviceToHost, stream());
  CudaContext::instance().synchronize(kWhere);
  return host;
}

double DeviceAscentRun::best_objective(int k) {
  if (k < 0 || k >= k_) throw Error("the optimizer has no unit " + std::to_string(k));
  std::vector<double> best;
  to_host(best, mem_->b.best_obj + k, 1);
  CudaContext::instance().synchronize(kWhere);
  return best[0];
}

const vis::UnitRecord& DeviceAscentRun::record(int k) {
  if (k < 0 || k >= k_) throw Error("the optimizer has no unit " + std::to_string(k));
  const AscentDeviceBuffers& b = mem_->b;
  const auto ku = static_cast<size_t>(k);
  // Unit k's scalars only (one element of each per-unit array), then its history and images.
  std::vector<int> last_ii, best_ii, majority_ii, failure, failure_ii, idxmax;
  std::vector<double> best_obj, majority_obj, obj, norm, dist, stdev;
  to_host(last_ii, b.last_ii + k, 1);
  to_host(best_ii, b.best_ii + k, 1);
  to_host(majority_ii, b.majority_ii + k, 1);
  to_host(failure, b.failure + k, 1);
  to_host(failure_ii, b.failure_ii + k, 1);
  to_host(best_obj, b.best_obj + k, 1);
  to_host(majority_obj, b.majority_obj + k, 1);
  read_flags();  // synchronizes the copies above
  const size_t count = last_ii[0] < 0 ? 0 : static_cast<size_t>(last_ii[0]) + 1;
  const size_t at = ku * static_cast<size_t>(capacity_);
  to_host(obj, b.obj + at, count);
  to_host(norm, b.norm + at, count);
  to_host(dist, b.dist + at, count);
  to_host(stdev, b.stdev + at, count);
  to_host(idxmax, b.idxmax + at, count);

  vis::UnitRecord& r = records_[ku];
  const Dims image = {int64_t{b.c}, int64_t{b.h}, int64_t{b.w}};
  const int64_t size = int64_t{b.c} * b.h * b.w;
  for (Tensor* t : {&r.best_x, &r.majority_x, &r.last_x}) {
    if (t->empty()) *t = Tensor(image);
  }
  const auto bytes = static_cast<std::size_t>(size) * sizeof(float);
  DEEPVIS_CUDA_CALL(kWhere, cudaMemcpyAsync, r.best_x.data(), b.best_x + k * size, bytes, cudaMemcpyDeviceToHost,
                    stream());
  DEEPVIS_CUDA_CALL(kWhere, cudaMemcpyAsync, r.majority_x.data(), b.majority_x + k * size, bytes,
                    cudaMemcpyDeviceToHost, stream());
  DEEPVIS_CUDA_CALL(kWhere, cudaMemcpyAsync, r.last_x.data(), b.last_x + k * size, bytes, cudaMemcpyDeviceToHost,
                    stream());
  CudaContext::instance().synchronize(kWhere);

  r.ii.resize(count);
  for (size_t i = 0; i < count; ++i) r.ii[i] = static_cast<int>(i);
  r.obj = obj;
  r.norm = norm;
  r.dist = dist;
  r.std = stdev;
  r.idxmax.assign(idxmax.begin(), idxmax.end());
  r.best_obj = best_obj[0];
  r.best_ii = best_ii[0];
  r.majority_ii.reset();
  r.majority_obj.reset();
  if (majority_ii[0] >= 0) {
    r.majority_ii = majority_ii[0];
    r.majority_obj = majority_obj[0];
  }
  r.last_ii = last_ii[0];
  r.last_obj = count > 0 ? obj.back() : 0.0;
  r.failure.clear();
  if (failure[0] == 1) r.failure = "gradient zero";
  if (failure[0] == 2) r.failure = "NaN in x at iteration " + std::to_string(failure_ii[0]);
  r.running = running_[ku] != 0 && iteration_ < params_.max_iter;
  return r;
}

}  // namespace deepvis::cuda
