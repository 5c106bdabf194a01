#include "app/ascent/layer_gallery.hpp"

#include "app/exit_codes.hpp"
#include "app/session/ascent_loop_factory.hpp"
#include "compute/core/error.hpp"
#include "compute/io/file_names.hpp"
#include "compute/vis/ascent_report.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace deepvis::app {

namespace fs = std::filesystem;

namespace {

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

void write_text(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      std::remove(tmp.c_str());
      throw OutputError("cannot write '" + path + "' (missing folder or disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw OutputError("cannot write '" + path + "'");
}

cv::Mat unit_pixels_bgr(const GalleryUnit& u, const vis::PixelSpace& space) {
  return vis::display_xpm(u.best_x, space, space.bgr);
}

}  // namespace

std::string gallery_unit_id(const std::string& model_stem, const std::string& layer, int64_t unit) {
  return model_stem + "/" + layer + ":" + std::to_string(unit);
}

std::string gallery_png_name(const std::string& layer, int64_t unit) {
  char tail[32];
  std::snprintf(tail, sizeof tail, "_unit%04lld.png", static_cast<long long>(unit));
  return safe_file_name(layer) + tail;
}

std::vector<int64_t> layer_units(const Net& net, const std::string& layer) {
  const Dims& dims = net.blob_dims(net.blob_id(layer));
  if (dims.size() < 2) throw Error("layer '" + layer + "' has no channels to optimize");
  std::vector<int64_t> units(static_cast<size_t>(dims[1]));
  for (size_t c = 0; c < units.size(); ++c) units[c] = static_cast<int64_t>(c);
  return units;
}

LayerGalleryRun::LayerGalleryRun(Net& net, const vis::PixelSpace& space, const std::string& model_stem,
                                 vis::AscentParams params, std::vector<int64_t> units, LayerGalleryOptions options,
                                 const Tensor* start_image)
    : net_(net),
      params_(std::move(params)),
      units_(std::move(units)),
      options_(std::move(options)),
      start_image_(start_image),
      t0_(std::chrono::steady_clock::now()) {
  if (units_.empty()) throw Error("the gallery has no units to optimize");
  if (params_.objective == vis::ObjectiveKind::Diversity) {
    // Diversity couples a batch's elements; the gallery's units must each run as they would alone.
    throw Error("the layer gallery runs units independently; the diversity objective needs --units instead");
  }
  const std::string layer = net.graph().blobs[static_cast<size_t>(net.blob_id(params_.push_layer))].name;
  params_.push_layer = layer;
  k_ = std::max(1, options_.batch);
  const int n = static_cast<int>(units_.size());
  gallery_.model_stem = model_stem;
  gallery_.layer = layer;
  gallery_.space = space;
  gallery_.batch = k_;
  params_.push_units = units_;
  gallery_.params = vis::params_json(params_);
  progress_.units_total = n;
  progress_.batches = (n + k_ - 1) / k_;
  progress_.max_iter = params_.max_iter;
}

LayerGalleryRun::~LayerGalleryRun() = default;

bool LayerGalleryRun::step() {
  const int n = static_cast<int>(units_.size());
  if (!run_) {
    if (next_batch_ >= progress_.batches) return false;
    const auto first = units_.begin() + next_batch_ * k_;
    params_.push_units.assign(first, first + std::min(k_, n - next_batch_ * k_));
    run_ = make_ascent_loop(net_, params_, gallery_.space, start_image_);
    progress_.batch = next_batch_;
  }
  if (!run_->step()) {
    end_batch();
    return next_batch_ < progress_.batches;
  }
  progress_.iteration = run_->iteration();
  progress_.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  const double work_total = static_cast<double>(n) * params_.max_iter;
  const double done = static_cast<double>(progress_.units_done) * params_.max_iter +
                      static_cast<double>(params_.push_units.size()) * run_->iteration();
  progress_.eta_s = done > 0 ? progress_.elapsed_s * (work_total - done) / done : 0.0;
  if (options_.on_progress) options_.on_progress(progress_);
  return true;
}

void LayerGalleryRun::end_batch() {
  for (int e = 0; e < run_->units(); ++e) {
    const vis::UnitRecord& r = run_->record(e);
    GalleryUnit u;
    u.unit = r.unit;
    u.id = gallery_unit_id(gallery_.model_stem, gallery_.layer, r.unit);
    u.best_x = r.best_x.empty() ? r.last_x : r.best_x;
    u.best_obj = r.best_obj;
    u.best_ii = r.best_ii;
    u.meta_result = r.meta_result();
    u.failure = r.failure;
    gallery_.units.push_back(u);
    if (options_.on_unit) options_.on_unit(gallery_.units.back());
  }
  progress_.units_done += run_->units();
  run_.reset();
  ++next_batch_;
}

LayerGallery LayerGalleryRun::finish() {
  gallery_.cancelled = gallery_.units.size() < units_.size();
  gallery_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  progress_.elapsed_s = gallery_.seconds;
  progress_.eta_s = 0.0;
  if (!gallery_.cancelled) progress_.iteration = progress_.max_iter;
  if (options_.on_progress) options_.on_progress(progress_);
  return std::move(gallery_);
}

LayerGallery run_layer_gallery(Net& net, const vis::PixelSpace& space, const std::string& model_stem,
                               vis::AscentParams params, const std::vector<int64_t>& units,
                               const LayerGalleryOptions& options, const Tensor* start_image) {
  LayerGalleryRun run(net, space, model_stem, std::move(params), units, options, start_image);
  auto cancelled = [&] { return options.cancel && options.cancel->load(); };
  if (!cancelled()) {
    while (run.step() && !cancelled()) {
    }
  }
  return run.finish();
}

std::vector<std::string> export_gallery(const LayerGallery& gallery, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw OutputError("cannot create the gallery folder '" + dir + "': " + ec.message());
  std::vector<std::string> written;
  nlohmann::json units = nlohmann::json::array();
  std::string figures;
  for (const GalleryUnit& u : gallery.units) {
    const std::string png = gallery_png_name(gallery.layer, u.unit);
    const std::string path = (fs::path(dir) / png).string();
    bool ok = false;
    try {
      ok = cv::imwrite(path, unit_pixels_bgr(u, gallery.space));
    } catch (const cv::Exception& e) {
      throw OutputError("cannot write '" + path + "': " + e.what());
    }
    if (!ok) throw OutputError("cannot write '" + path + "' (missing folder or disk full?)");
    written.push_back(path);
    units.push_back({{"id", u.id},
                     {"unit", u.unit},
                     {"png", png},
                     {"best_obj", u.best_obj},
                     {"best_ii", u.best_ii},
                     {"meta_result", u.meta_result},
                     {"failure", u.failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(u.failure)}});
    char caption[160];
    std::snprintf(caption, sizeof caption, "best %.4g at %d, %s%s%s", u.best_obj, u.best_ii, u.meta_result.c_str(),
                  u.failure.empty() ? "" : "; ", u.failure.c_str());
    const std::string id = html_escape(u.id);
    figures += "<figure id=\"" + id + "\"><img src=\"" + html_escape(png) + "\" alt=\"" + id + "\"><figcaption><b>" +
               id + "</b><br>" + html_escape(caption) + "</figcaption></figure>\n";
  }
  const nlohmann::json index = {{"model", gallery.model_stem},
                                {"layer", gallery.layer},
                                {"batch", gallery.batch},
                                {"seconds", gallery.seconds},
                                {"cancelled", gallery.cancelled},
                                {"params", gallery.params},
                                {"units", units}};
  const std::string json_path = (fs::path(dir) / "gallery.json").string();
  write_text(json_path, index.dump(1) + "\n");
  written.push_back(json_path);

  const std::string title = html_escape(gallery.model_stem + "/" + gallery.layer);
  const std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
      " - deepvis gallery</title>\n<style>\nbody{font-family:sans-serif;background:#202020;color:#ddd}\n"
      ".grid{display:flex;flex-wrap:wrap;gap:10px}\nfigure{margin:0;width:136px}\n"
      "img{width:128px;height:128px;object-fit:contain;image-rendering:pixelated;background:#000}\n"
      "figcaption{font-size:11px;word-break:break-all}\n</style></head>\n<body>\n<h1>" +
      title + "</h1>\n<p>" + std::to_string(gallery.units.size()) + " units, optimized " +
      std::to_string(gallery.batch) + " per batch" + (gallery.cancelled ? " (cancelled before the end)" : "") +
      "; parameters in <a href=\"gallery.json\">gallery.json</a>.</p>\n<div class=\"grid\">\n" + figures +
      "</div>\n</body></html>\n";
  const std::string html_path = (fs::path(dir) / "index.html").string();
  write_text(html_path, html);
  written.push_back(html_path);
  return written;
}

GalleryAtlas make_gallery_atlas(const LayerGallery& gallery, int min_tile) {
  GalleryAtlas atlas;
  if (gallery.units.empty()) return atlas;
  const Tensor& first = gallery.units.front().best_x;
  const int side = static_cast<int>(std::max(first.dim(1), first.dim(2)));
  const int factor = std::max(1, (min_tile + side - 1) / side);
  atlas.tile = side * factor;
  const int n = static_cast<int>(gallery.units.size());
  atlas.cols = std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n)))));
  const int rows = (n + atlas.cols - 1) / atlas.cols;
  const int cell = atlas.tile + atlas.gap;
  atlas.rgb = cv::Mat(rows * cell, atlas.cols * cell, CV_8UC3, cv::Scalar(32, 32, 32));
  for (int i = 0; i < n; ++i) {
    cv::Mat bgr = unit_pixels_bgr(gallery.units[static_cast<size_t>(i)], gallery.space);
    cv::Mat scaled;
    cv::resize(bgr, scaled, cv::Size(bgr.cols * factor, bgr.rows * factor), 0, 0, cv::INTER_NEAREST);
    cv::Mat rgb;
    cv::cvtColor(scaled, rgb, cv::COLOR_BGR2RGB);
    rgb.copyTo(atlas.rgb(cv::Rect((i % atlas.cols) * cell, (i / atlas.cols) * cell, rgb.cols, rgb.rows)));
  }
  return atlas;
}

int run_gallery_command(Net& net, const vis::PixelSpace& space, const std::string& model_stem,
                        const vis::AscentParams& params, const std::vector<int64_t>& units, int batch,
                        const std::string& dir, bool show_progress, bool json, const Tensor* start_image) {
  LayerGalleryOptions options;
  options.batch = batch;
  double last_draw = -1.0;
  options.on_progress = [&](const GalleryProgress& p) {
    const bool last = p.units_done == p.units_total;
    if (!show_progress || (!last && p.elapsed_s - last_draw < 0.1)) return;
    last_draw = p.elapsed_s;
    const int width = 30;
    const double frac = (p.units_done + (last ? 0.0
                                              : static_cast<double>(p.iteration) / std::max(1, p.max_iter) *
                                                    std::min(batch, p.units_total - p.units_done))) /
                        std::max(1, p.units_total);
    const int filled = std::clamp(static_cast<int>(frac * width), 0, width);
    std::fprintf(stderr, "\r[%.*s%*s] units %d/%d  batch %d/%d  it %d/%d  %.0fs  ETA %.0fs ", filled,
                 "##############################", width - filled, "", p.units_done, p.units_total, p.batch + 1,
                 p.batches, p.iteration, p.max_iter, p.elapsed_s, p.eta_s);
    std::fflush(stderr);
  };
  const LayerGallery gallery = run_layer_gallery(net, space, model_stem, params, units, options, start_image);
  if (show_progress) std::fputc('\n', stderr);
  const std::vector<std::string> files = export_gallery(gallery, dir);
  const std::string index = (fs::path(dir) / "index.html").string();
  if (json) {
    std::printf("%s\n", nlohmann::json{{"gallery", index},
                                       {"layer", gallery.layer},
                                       {"units", gallery.units.size()},
                                       {"batch", gallery.batch},
                                       {"seconds", gallery.seconds},
                                       {"files", files.size()}}
                            .dump(1)
                            .c_str());
  } else {
    std::printf("%zu units of %s, %d per batch, in %.2f s -> %s\n", gallery.units.size(), gallery.layer.c_str(),
                gallery.batch, gallery.seconds, index.c_str());
  }
  return kExitOk;
}

}  // namespace deepvis::app
