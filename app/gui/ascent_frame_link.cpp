#include "app/gui/ascent_frame_link.hpp"

namespace deepvis::app {

AscentFrameLink::AscentFrameLink(JobRunner& runner) : worker_(runner) {}

void AscentFrameLink::begin_frame(AppState& state, Snapshot& snapshot) {
  const EngineSnapshot& engine = *snapshot.engine;
  AscentPanelState& panel = state.optimization;
  if (state.show_optimization && engine.model && engine.model->generation != panel.loaded_generation) {
    worker_.post(LoadAscentModel{engine.model->path, engine.model->device_choice()});
    panel.loaded_generation = engine.model->generation;
    panel.followed.clear();  // send the selection again once the model is in
  }
  snapshot.ascent = worker_.latest();
  snapshot.ascent_in_sync = snapshot.ascent->commands_applied >= worker_.posted();
  const AscentSnapshot& a = *snapshot.ascent;
  const cv::Mat& image = panel.show_x_alone ? a.x_rgb : a.image_rgb;
  if (image.empty()) {
    snapshot.ascent_texture = 0;
    return;
  }
  if (a.sequence != uploaded_sequence_ || panel.show_x_alone != uploaded_x_alone_) {
    texture_.upload_rgb(image);
    uploaded_sequence_ = a.sequence;
    uploaded_x_alone_ = panel.show_x_alone;
  }
  snapshot.ascent_texture = texture_.id();
}

void AscentFrameLink::end_frame(Commands& commands) {
  for (AscentCommand& command : commands.ascent) worker_.post(std::move(command));
  commands.ascent.clear();
}

}  // namespace deepvis::app
