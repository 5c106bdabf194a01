#include "app/engine/engine_core.hpp"

#include "app/engine/backward_display.hpp"
#include "app/engine/top_predictions.hpp"
#include "app/session/default_layer.hpp"
#include "compute/core/error.hpp"
#include "compute/image/crop_box.hpp"
#include "compute/image/face_crop.hpp"
#include "compute/image/preprocess.hpp"
#include "compute/ops/op_kind.hpp"

#ifdef DEEPVIS_HAVE_CUDA
#include "compute/vis/cuda/device_layer_ring.hpp"
#endif

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <type_traits>
#include <utility>

namespace deepvis::app {

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

bool drawable(const Dims& dims) {
  return drawable_layer(dims);
}

int channels_of(const Dims& dims) {
  return dims.size() >= 2 ? static_cast<int>(dims[1]) : 0;
}

BackwardMode to_mode(BackwardView view) {
  switch (view) {
    case BackwardView::Deconv: return BackwardMode::Deconv;
    case BackwardView::Guided: return BackwardMode::Guided;
    default: return BackwardMode::Gradient;
  }
}

}  // namespace

int ModelInfo::find_layer(const std::string& layer) const {
  for (size_t i = 0; i < layers.size(); ++i) {
    if (layers[i].name == layer) return static_cast<int>(i);
  }
  return -1;
}

EngineCore::EngineCore(ModelOptions model_options, bool quiet, std::shared_ptr<ModelCache> models)
    : model_options_(std::move(model_options)),
      quiet_(quiet),
      models_(models ? std::move(models) : std::make_shared<ModelCache>()) {}
EngineCore::~EngineCore() = default;

void EngineCore::fail(const std::string& message) {
  if (echo_errors_) std::fprintf(stderr, "deepvis: %s\n", message.c_str());
  error_ = message;
  ++error_count_;
}

void EngineCore::apply(const EngineCommand& command) {
  ++commands_applied_;
  std::visit(
      [&](const auto& c) {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, LoadModel>) {
          load_model(c.path);
        } else if constexpr (std::is_same_v<C, SelectLayer>) {
          select_layer(c.name);
        } else if constexpr (std::is_same_v<C, SelectUnit>) {
          const int channels = model_ && blob_ >= 0 ? channels_of(session_->net->blob_dims(blob_)) : 0;
          settings_.unit = channels > 0 ? std::clamp(c.unit, 0, channels - 1) : std::max(0, c.unit);
        } else if constexpr (std::is_same_v<C, SetBackward>) {
          settings_.backward = c.view;
        } else if constexpr (std::is_same_v<C, SetBackwardDisplay>) {
          settings_.display = c.display;
        } else if constexpr (std::is_same_v<C, SetGridNorm>) {
          GridOptions options = settings_.grid;
          options.norm = c.norm;
          if (c.norm == GridNorm::Fixed) {
            options.fixed_lo = c.fixed_lo;
            options.fixed_hi = c.fixed_hi;
          }
          try {
            validate(options);
            settings_.grid = options;
          } catch (const Error& e) {
            fail(e.what());
          }
        } else if constexpr (std::is_same_v<C, SetColormap>) {
          settings_.colormap = c.colormap;
        } else if constexpr (std::is_same_v<C, SetFrozen>) {
          settings_.frozen = c.frozen;
        } else if constexpr (std::is_same_v<C, SetCrop>) {
          settings_.crop = c.crop;
        } else if constexpr (std::is_same_v<C, UseDeviceGrid>) {
          device_grid_ = c.on;
        }
      },
      command);
}

void EngineCore::load_model(const std::string& path) {
  std::unique_ptr<LoadedModel> session;
  try {
    ModelOptions options = model_options_;
    options.path = path;
    options.batch = 1;
    session = std::make_unique<LoadedModel>(models_->load(options));
    if (!session->device_note.empty() && !quiet_) std::fprintf(stderr, "%s\n", session->device_note.c_str());
  } catch (const std::exception& e) {
    fail(std::string("cannot load model: ") + e.what());
    return;
  }
  const Net& net = *session->net;
  const Graph& graph = net.graph();
  auto info = std::make_shared<ModelInfo>();
  info->generation = ++generation_;
  info->path = path;
  info->stem = std::filesystem::path(path).stem().string();
  info->backend = net.backend_name();
  info->tf32 = model_options_.device.tf32;
  info->name = session->card ? session->card->name : info->stem;
  info->input_dims = net.input_dims();
  info->crop = session->preprocess.crop;
  for (const Node& node : graph.nodes) {
    const Dims& dims = net.blob_dims(node.output);
    if (!drawable(dims)) continue;
    info->layers.push_back({graph.blobs[static_cast<size_t>(node.output)].name, dims, std::string(op_name(node.kind))});
  }
  if (info->layers.empty()) {
    fail("cannot load model: " + path + " has no layer that can be drawn as a grid");
    return;
  }
  info->default_layer = default_layer(net, session->card);
  output_ = graph.outputs.empty() ? -1 : graph.outputs.front();
  info->output = output_ >= 0 ? graph.blobs[static_cast<size_t>(output_)].name : "";
  const int producer = output_ >= 0 ? graph.producer(output_) : -1;
  output_is_softmax_ = producer >= 0 && graph.nodes[static_cast<size_t>(producer)].kind == OpKind::Softmax;

  gradients_ = session->net->make_gradients();
  face_tracker_.reset();
  session_ = std::move(session);
  model_ = std::move(info);
  blob_ = -1;
  settings_.layer.clear();
  settings_.unit = 0;
  select_layer(model_->default_layer);
  if (!session_->assumption_note.empty()) std::fprintf(stderr, "%s\n", session_->assumption_note.c_str());
}

void EngineCore::select_layer(const std::string& name) {
  if (!model_) {
    settings_.layer = name;  // kept until a model arrives, which picks its own default anyway
    return;
  }
  const Net& net = *session_->net;
  int blob = -1;
  try {
    blob = net.blob_id(name);  // accepts node names too
  } catch (const Error& e) {
    fail(e.what());
    return;
  }
  const std::string& blob_name = net.graph().blobs[static_cast<size_t>(blob)].name;
  if (model_->find_layer(blob_name) < 0) {
    fail("layer '" + name + "' (" + to_string(net.blob_dims(blob)) + ") cannot be drawn as a grid");
    return;
  }
  if (blob != blob_) {
    blob_ = blob;
    seed_ = Tensor(net.blob_dims(blob));
  }
  settings_.layer = blob_name;
  settings_.unit = std::clamp(settings_.unit, 0, channels_of(net.blob_dims(blob)) - 1);
}

std::shared_ptr<EngineSnapshot> EngineCore::process(const Frame& frame) {
  auto snap = std::make_shared<EngineSnapshot>();
  snap->sequence = ++sequence_;
  snap->commands_applied = commands_applied_;
  snap->input_rgb = frame.rgb;
  snap->input_name = frame.name;
  snap->frame_sequence = frame.sequence;
  snap->captured_at = frame.captured_at;
  snap->model = model_;
  snap->settings = settings_;
  if (model_) snap->layer_index = model_->find_layer(settings_.layer);
  if (model_ && blob_ >= 0 && !frame.rgb.empty()) {
    try {
      compute(frame, *snap);
    } catch (const std::exception& e) {
      fail(std::string("frame '") + frame.name + "': " + e.what());
    }
  }
  snap->error = error_;
  snap->error_count = error_count_;
  snap->engine_fps = fps_;
  return snap;
}

std::shared_ptr<const cuda::DeviceLayerCopy> EngineCore::copy_on_device(const Tensor& device_blob) {
#ifdef DEEPVIS_HAVE_CUDA
  if (!layer_copies_) layer_copies_ = std::make_shared<cuda::DeviceLayerRing>();
  return layer_copies_->copy(device_blob);
#else
  (void)device_blob;
  throw Error("the GPU grid path needs a build with CUDA");  // unreachable: no CUDA net exists then
#endif
}

Tensor EngineCore::preprocess_frame(const Frame& frame, EngineSnapshot& snap) {
  const Net& net = *session_->net;
  Preprocess pre = session_->preprocess;
  if (settings_.crop) pre.crop = *settings_.crop;
  FaceCrop face;
  Tensor input;
  if (pre.crop == CropMode::Face) {
    // Detect once: the face box is both what is cropped (as preprocess_image's face mode does: the face stretched,
    // else the centre crop) and what the input panel draws.
    // A new still (another image of a folder) has nothing to do with the one before: a whole search, as
    // find_face_crop (and `deepvis forward --crop face`) would. The same still again reuses the last answer.
    if (frame.still && frame.sequence != face_sequence_) face_tracker_.reset();
    face_sequence_ = frame.sequence;
    face = face_tracker_.next(frame.rgb);
    Preprocess cropped = pre;
    cropped.crop = face.found ? CropMode::Stretch : CropMode::Center;
    input = preprocess_image(face.found ? frame.rgb(face.box) : frame.rgb, cropped, net.input_dims());
  } else {
    input = preprocess_image(frame.rgb, pre, net.input_dims());
  }
  if (input.dims().size() == 4) {
    const cv::Size target(static_cast<int>(input.dim(3)), static_cast<int>(input.dim(2)));
    snap.input_crop = input_crop_box(frame.rgb.size(), target, pre.crop, face);
  }
  if (input.dims() != net.input_dims()) {
    throw Error("preprocessed input " + to_string(input.dims()) + " does not fit the model's " +
                to_string(net.input_dims()));
  }
  return input;
}

void EngineCore::compute_backward_view(const Tensor& activation, EngineSnapshot& snap) {
  // Spec §2: the seed is the selected channel's own activation map, every other channel zero.
  const Dims& dims = activation.dims();
  const int64_t plane = dims.size() == 4 ? dims[2] * dims[3] : 1;
  seed_.fill(0.0f);
  std::memcpy(seed_.data() + settings_.unit * plane, activation.data() + settings_.unit * plane,
              static_cast<size_t>(plane) * sizeof(float));
  BackwardOptions options;
  options.lrn_passthrough_in_deconv = settings_.lrn_passthrough;
  session_->net->backward_from(blob_, seed_, to_mode(settings_.backward), gradients_, options);
  snap.backward_input = gradients_.input().clone();
  snap.backward_bgr = backward_display_image(snap.backward_input, settings_.display, session_->preprocess.bgr);
}

void EngineCore::compute_grid(const Tensor& activation, bool device_grid, EngineSnapshot& snap) {
  grid_.set_options(settings_.grid);
  if (device_grid) {
    grid_.measure(activation);  // layout and ranges for the panels; the UI thread draws the tiles
  } else {
    grid_.build(activation);
  }
  snap.activations = activation.clone();
  snap.layout = grid_.layout();
  snap.ranges = grid_.ranges();
  if (!device_grid) {
    snap.grid_bgr = grid_.colorize(settings_.colormap).clone();
    snap.unit_bgr = snap.grid_bgr(snap.layout.tile(settings_.unit)).clone();
  }
}

void EngineCore::count_frame() {
  // Frames per second of the engine over its last 16 frames.
  frame_times_.push_back(Clock::now());
  if (frame_times_.size() > 16) frame_times_.pop_front();
  if (frame_times_.size() >= 2) {
    const double span = std::chrono::duration<double>(frame_times_.back() - frame_times_.front()).count();
    fps_ = span > 0.0 ? static_cast<double>(frame_times_.size() - 1) / span : 0.0;
  }
}

void EngineCore::compute(const Frame& frame, EngineSnapshot& snap) {
  Net& net = *session_->net;
  const Clock::time_point t0 = Clock::now();
  const Tensor input = preprocess_frame(frame, snap);
  const Clock::time_point t1 = Clock::now();
  net.forward(input);
  const Tensor& activation = net.blob(blob_);
  // The GPU grid path: a device copy of the layer for the UI thread, enqueued before the backward view's work.
  const bool device_grid = device_grid_ && net.device_blob(blob_).device() == Device::Cuda;
  if (device_grid) snap.device_layer = copy_on_device(net.device_blob(blob_));
  const Clock::time_point t2 = Clock::now();
  if (settings_.backward != BackwardView::Off) compute_backward_view(activation, snap);
  const Clock::time_point t3 = Clock::now();
  compute_grid(activation, device_grid, snap);
  const Clock::time_point t4 = Clock::now();

  if (output_ >= 0) snap.top5 = top_predictions(net.blob(output_), 5, session_->labels(), output_is_softmax_);
  snap.network_input_rgb = deprocess_to_rgb(input, session_->preprocess);

  snap.times.capture = frame.capture_ms;
  snap.times.preprocess = ms_between(t0, t1);
  snap.times.forward = ms_between(t1, t2);
  snap.times.backward = ms_between(t2, t3);
  snap.times.grid = ms_between(t3, t4);
  snap.times.total = ms_between(t0, Clock::now());
  count_frame();
}

}  // namespace deepvis::app
