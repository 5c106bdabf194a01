#pragma once
// The frame loop's part in recording (R) and screenshots (Ctrl+S), called after the frame is drawn and before the
// swap, with the window's framebuffer bound for reading. It follows AppState: starts the recording when
// state.record turns on, finalizes it when it turns off, and turns it off when the recording ends by itself
// (encoder error, disk almost full). Every outcome is a line in state.status_message (and on stderr).
// What is recorded is state.record_target, taken when the recording starts: the whole framebuffer, or the chosen
// panel's rectangle from state.panel_rects (this frame's, so call it after the panels are drawn). A panel that is
// closed when R is pressed records nothing (the message says so); one closed mid-recording ends the recording.
#include "app/record/window_recorder.hpp"
#include "app/ui/ui_commands.hpp"
#include "app/ui/ui_snapshot.hpp"
#include "app/ui/ui_state.hpp"

#include <string>

namespace deepvis::app {

// `folder`: where new recordings and screenshots go (timestamped names); "" for the current folder.
// `options` is for tests: a deep queue so that a loaded machine cannot drop frames a test counts.
void update_window_recording(WindowRecorder& recorder, AppState& state, int width, int height,
                             const std::string& folder = "", double fps = 30.0, const RecorderOptions& options = {});

}  // namespace deepvis::app
