#include "app/engine/engine_settings.hpp"

#include "compute/core/error.hpp"

namespace deepvis::app {

const char* backward_view_name(BackwardView view) {
  switch (view) {
    case BackwardView::Off: return "off";
    case BackwardView::Gradient: return "gradient";
    case BackwardView::Deconv: return "deconv";
    case BackwardView::Guided: return "guided";
  }
  return "off";
}

BackwardView parse_backward_view(const std::string& name) {
  for (BackwardView v : {BackwardView::Off, BackwardView::Gradient, BackwardView::Deconv, BackwardView::Guided}) {
    if (name == backward_view_name(v)) return v;
  }
  throw Error("unknown backward mode '" + name + "' (expected off, gradient, deconv or guided)");
}

const char* backward_display_name(BackwardDisplay display) {
  switch (display) {
    case BackwardDisplay::Raw: return "raw";
    case BackwardDisplay::Norm: return "norm";
    case BackwardDisplay::NormBlur: return "norm-blur";
  }
  return "raw";
}

BackwardDisplay parse_backward_display(const std::string& name) {
  for (BackwardDisplay d : {BackwardDisplay::Raw, BackwardDisplay::Norm, BackwardDisplay::NormBlur}) {
    if (name == backward_display_name(d)) return d;
  }
  throw Error("unknown backward display '" + name + "' (expected raw, norm or norm-blur)");
}

BackwardView next_backward_view(BackwardView view) {
  switch (view) {
    case BackwardView::Off: return BackwardView::Gradient;
    case BackwardView::Gradient: return BackwardView::Deconv;
    case BackwardView::Deconv: return BackwardView::Guided;
    case BackwardView::Guided: return BackwardView::Off;
  }
  return BackwardView::Off;
}

}  // namespace deepvis::app
