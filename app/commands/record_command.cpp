// `deepvis record`: renders a video, a folder of images or one image offline into a video file, with no window:
// each input frame goes through the engine's per-frame work (EngineCore, as in the GUI), the chosen panes are
// drawn side by side through headless EGL, read back through PBOs and encoded. Exactly one output frame per input
// frame: offline, the encoder is waited for instead of dropping frames.
#include "app/capture/file_list_source.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/model_flags.hpp"
#include "app/commands/output_check.hpp"
#include "app/engine/engine_core.hpp"
#include "app/record/pane_compositor.hpp"
#include "app/record/video_recorder.hpp"
#include "render/async_readback.hpp"
#include "render/egl_context.hpp"
#include "render/framebuffer_capture.hpp"

#include <unistd.h>
#include <CLI/CLI.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

namespace deepvis::app {

namespace {

namespace fs = std::filesystem;

struct RecordFlags {
  ModelFlags model;  // --model, --device, --tf32, --threads and the preprocessing overrides
  std::string input;
  std::string layer;
  int unit = 0;
  std::string mode;  // "": off, or gradient when the backward pane is asked for
  std::string panes;
  std::string colormap = "gray";
  int pane_height = 240;
  double fps = 0.0;  // 0: the video's own rate, else 30
  std::string out;
  std::string codec = "auto";
  std::string dump_frames;
};

// The input's frames in order, each exactly once: a video's frames, a folder's images (sorted), or one image.
class InputFrames {
 public:
  explicit InputFrames(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw CommandError(kExitBadInput, "input '" + path + "' does not exist");
    try {
      if (!fs::is_directory(path, ec) && has_video_extension(path)) {
        if (!video_.open(path)) throw Error("cannot open video '" + path + "' (no decoder for it?)");
        const double fps = video_.get(cv::CAP_PROP_FPS);
        if (fps > 0.5 && fps < 1000.0) fps_ = fps;
        count_ = static_cast<int64_t>(video_.get(cv::CAP_PROP_FRAME_COUNT));
        name_ = fs::path(path).filename().string();
      } else {
        files_ = std::make_unique<FileListSource>(path);
        count_ = static_cast<int64_t>(files_->files().size());
      }
    } catch (const Error& e) {
      throw CommandError(kExitBadInput, e.what());
    }
  }

  // The next frame as 8-bit RGB; false at the end. Throws CommandError (exit 4) on an unreadable image.
  bool next(Frame& frame) {
    if (files_) {
      if (read_ >= count_) return false;
      try {
        frame.rgb = files_->read(frame.name);
      } catch (const Error& e) {
        throw CommandError(kExitBadInput, e.what());
      }
      files_->step_file(1);
    } else {
      cv::Mat bgr;
      if (!video_.read(bgr) || bgr.empty()) return false;
      cv::cvtColor(bgr, frame.rgb, bgr.channels() == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_BGR2RGB);
      frame.name = name_ + " #" + std::to_string(read_ + 1);
    }
    frame.sequence = static_cast<uint64_t>(++read_);
    return true;
  }

  double fps() const { return fps_; }            // 0 when the input has no rate of its own
  int64_t count_hint() const { return count_; }  // a video's header may be off; the frames read are what count
  int64_t read_count() const { return read_; }

 private:
  cv::VideoCapture video_;
  std::unique_ptr<FileListSource> files_;
  std::string name_;
  double fps_ = 0.0;
  int64_t count_ = 0;
  int64_t read_ = 0;
};

// Applies a command and turns the engine's report of a failure into an exception with `code`.
void apply_checked(EngineCore& core, const EngineCommand& command, ExitCode code) {
  const uint64_t errors = core.process(Frame{})->error_count;
  core.apply(command);
  const std::shared_ptr<EngineSnapshot> after = core.process(Frame{});
  if (after->error_count > errors) throw CommandError(code, after->error);
}

void configure_engine(EngineCore& core, const RecordFlags& f, BackwardView view) {
  apply_checked(core, LoadModel{f.model.model}, kExitBadModel);
  if (!core.model()) throw CommandError(kExitBadModel, "cannot load model '" + f.model.model + "'");
  if (!f.layer.empty()) apply_checked(core, SelectLayer{f.layer}, kExitUsage);  // else the model's default
  const ModelInfo& model = *core.model();
  const LayerInfo& layer = model.layers[static_cast<size_t>(model.find_layer(core.settings().layer))];
  if (f.unit < 0 || f.unit >= layer.dims[1]) {
    throw CommandError(kExitUsage, "--unit " + std::to_string(f.unit) + " out of range: layer '" + layer.name +
                                       "' has " + std::to_string(layer.dims[1]) + " units");
  }
  core.apply(SelectUnit{f.unit});
  core.apply(SetBackward{view});
  core.apply(SetColormap{parse_colormap(f.colormap)});
}

void progress_line(int64_t done, int64_t total, double seconds, bool final) {
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  if (total > 0) {
    std::fprintf(stderr, "\rrecord: frame %lld/%lld  %.1f fps ", static_cast<long long>(done),
                 static_cast<long long>(total), rate);
  } else {
    std::fprintf(stderr, "\rrecord: frame %lld  %.1f fps ", static_cast<long long>(done), rate);
  }
  if (final) std::fputc('\n', stderr);
  std::fflush(stderr);
}

// The backward view and the panes the flags ask for (the backward pane alone turns the gradient view on).
std::pair<BackwardView, std::vector<RecordPane>> view_and_panes(const RecordFlags& f) {
  BackwardView view = BackwardView::Off;
  std::vector<RecordPane> panes;
  try {
    if (!f.mode.empty()) view = parse_backward_view(f.mode);
    const std::string pane_list =
        !f.panes.empty() ? f.panes : (view != BackwardView::Off ? "input,grid,unit,backward" : "input,grid,unit");
    panes = parse_record_panes(pane_list);
    parse_video_codec(f.codec);
    parse_colormap(f.colormap);
  } catch (const Error& e) {
    throw CommandError(kExitUsage, e.what());
  }
  const bool wants_backward = std::find(panes.begin(), panes.end(), RecordPane::Backward) != panes.end();
  if (wants_backward && view == BackwardView::Off) {
    if (!f.mode.empty()) throw CommandError(kExitUsage, "the backward pane needs --mode gradient, deconv or guided");
    view = BackwardView::Gradient;
  }
  return {view, panes};
}

void check_outputs(const RecordFlags& f) {
  require_writable_folder(f.out, "the video");
  if (f.dump_frames.empty()) return;
  std::error_code ec;
  fs::create_directories(f.dump_frames, ec);
  if (ec)
    throw CommandError(kExitOutput, "cannot create --dump-frames folder '" + f.dump_frames + "': " + ec.message());
}

// The panes drawn into one frame, read back and encoded (and dumped with --dump-frames). The layout follows the
// first frame; later frames of another shape are letterboxed into it.
class RecordOutput {
 public:
  RecordOutput(const RecordFlags& f, std::vector<RecordPane> panes, double fps)
      : f_(f), panes_(std::move(panes)), fps_(fps) {
    options_.codec = parse_video_codec(f.codec);
    options_.encoder_nice = 0;  // offline: nothing to keep responsive, and every frame is waited for anyway
  }

  void add(const EngineSnapshot& snap) {
    if (!compositor_) start(snap);
    compositor_->draw(snap);
    const cv::Size size = compositor_->layout().size;
    cv::Mat done = readback_->read(size.width, size.height);
    if (!done.empty()) emit(std::move(done));
  }

  // Drains the readbacks and finalizes the file; throws unless every input frame was written.
  uint64_t finish(int64_t input_frames) {
    if (!compositor_) throw CommandError(kExitBadInput, "input '" + f_.input + "' has no frames");
    for (cv::Mat done = readback_->finish_one(); !done.empty(); done = readback_->finish_one()) emit(std::move(done));
    const uint64_t written = recorder_->stop();
    if (!recorder_->message().empty()) throw CommandError(kExitOutput, recorder_->message());
    if (written != static_cast<uint64_t>(input_frames)) {
      throw CommandError(kExitOutput, "wrote " + std::to_string(written) + " frames for " +
                                          std::to_string(input_frames) + " input frames");
    }
    return written;
  }

  void print_summary(uint64_t written, const EngineCore& core) const {
    const cv::Size size = compositor_->layout().size;
    std::printf("wrote %s: %llu frames of %dx%d at %g fps, %s; panes", recorder_->path().c_str(),
                static_cast<unsigned long long>(written), size.width, size.height, fps_,
                recorder_->codec_name().c_str());
    for (size_t i = 0; i < panes_.size(); ++i) std::printf("%s%s", i ? "," : " ", record_pane_name(panes_[i]));
    std::printf("; layer %s unit %d\n", core.settings().layer.c_str(), core.settings().unit);
  }

 private:
  void start(const EngineSnapshot& snap) {
    std::vector<cv::Size> sizes;
    for (RecordPane pane : panes_) {
      const cv::Mat image = record_pane_image(snap, pane);
      if (image.empty()) throw CommandError(kExitUsage, std::string("pane '") + record_pane_name(pane) + "' is empty");
      sizes.push_back(image.size());
    }
    compositor_ = std::make_unique<PaneCompositor>(panes_, layout_panes(sizes, f_.pane_height, 4));
    const cv::Size size = compositor_->layout().size;
    try {
      recorder_ = std::make_unique<VideoRecorder>(f_.out, size.width, size.height, fps_, options_);
    } catch (const Error& e) {
      throw CommandError(kExitOutput, e.what());
    }
    readback_.emplace(2);
    std::fprintf(stderr, "record: %s, %s, %dx%d at %g fps, drawn by %s\n", recorder_->path().c_str(),
                 recorder_->codec_name().c_str(), size.width, size.height, fps_, context_.description().c_str());
  }

  void emit(cv::Mat frame) {
    if (!f_.dump_frames.empty()) {
      char name[32];
      std::snprintf(name, sizeof name, "/frame_%05lld.png", static_cast<long long>(emitted_));
      render::write_image(f_.dump_frames + name, frame);
    }
    if (!recorder_->push_waiting(std::move(frame))) {
      throw CommandError(kExitOutput, "recording stopped: " + recorder_->message());
    }
    ++emitted_;
  }

  const RecordFlags& f_;
  const std::vector<RecordPane> panes_;
  const double fps_;
  RecorderOptions options_;
  render::EglContext context_;  // declared first of the GL state: the GL objects below need it alive
  std::unique_ptr<PaneCompositor> compositor_;
  std::unique_ptr<VideoRecorder> recorder_;
  std::optional<render::AsyncReadback> readback_;
  int64_t emitted_ = 0;
};

int run_record(const RecordFlags& f) {
  const auto [view, panes] = view_and_panes(f);
  check_outputs(f);
  InputFrames input(f.input);
  require_device(f.model.device);  // before the engine, which would only report it as a model it could not load
  EngineCore core(model_options(f.model), f.model.json);
  core.set_echo_errors(false);  // a failure ends the recording with its message
  configure_engine(core, f, view);
  const double fps = f.fps > 0 ? f.fps : (input.fps() > 0 ? input.fps() : 30.0);
  RecordOutput output(f, panes, fps);

  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  double last_progress = -1.0;
  Frame frame;
  while (input.next(frame)) {
    const std::shared_ptr<EngineSnapshot> snap = core.process(frame);
    if (!snap->has_results()) {
      throw CommandError(kExitBadInput, "frame " + std::to_string(frame.sequence) + " ('" + frame.name +
                                            "'): " + (snap->error.empty() ? "no results" : snap->error));
    }
    output.add(*snap);
    if (elapsed() - last_progress > 0.25) {
      progress_line(input.read_count(), input.count_hint(), elapsed(), false);
      last_progress = elapsed();
    }
  }
  const uint64_t written = output.finish(input.read_count());
  progress_line(input.read_count(), input.read_count(), elapsed(), true);
  output.print_summary(written, core);
  return kExitOk;
}

}  // namespace

Subcommand add_record_command(CLI::App& parent) {
  auto f = std::make_shared<RecordFlags>();
  CLI::App* cmd = parent.add_subcommand(
      "record", "Render a video, a folder of images or an image offline (no window) into a video, one frame each");
  add_model_flags(*cmd, f->model, true);
  cmd->add_option("--input", f->input, "Video file, folder of images, or one image")->required();
  cmd->add_option("--layer", f->layer,
                  "Layer whose activations are drawn (blob or node name; default: the model card's, else the first "
                  "convolution)");
  cmd->add_option("--unit", f->unit, "Selected unit (channel) for the unit and backward panes (default 0)");
  cmd->add_option("--mode", f->mode, "Backward view: off, gradient, deconv or guided (default: off)")
      ->check(CLI::IsMember({"off", "gradient", "deconv", "guided"}));
  cmd->add_option("--panes", f->panes,
                  "Panes side by side, in order: input,grid,unit,backward (default: input,grid,unit, plus "
                  "backward with --mode)");
  cmd->add_option("--colormap", f->colormap, "gray, viridis or jet")->check(CLI::IsMember({"gray", "viridis", "jet"}));
  cmd->add_option("--pane-height", f->pane_height, "Height of every pane in pixels (default 240)")
      ->check(CLI::Range(16, 4096));
  cmd->add_option("--fps", f->fps, "Frame rate of the video (default: the input video's, else 30)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--out", f->out, "The video: .mp4 (H.264) or .avi (MJPG), as its extension says")->required();
  cmd->add_option("--codec", f->codec, "auto (as --out's extension says: .mp4 H.264, .avi MJPG), h264 or mjpg")
      ->check(CLI::IsMember({"auto", "h264", "mjpg"}));
  cmd->add_option("--dump-frames", f->dump_frames, "Also write every frame as DIR/frame_00000.png, ...");
  return {cmd, [f] { return run_guarded("record", [&] { return run_record(*f); }); }};
}

}  // namespace deepvis::app
