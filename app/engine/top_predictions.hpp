#pragma once
// The top-k classes of batch element 0 of an output blob, with softmax probabilities and the card's labels.
#include "app/engine/engine_snapshot.hpp"
#include "compute/core/tensor.hpp"

#include <string>
#include <vector>

namespace deepvis::app {

// `already_probabilities`: the output is a softmax already, so its values are the probabilities. Ties keep the
// lower index first. `labels` may be null or shorter than the output (missing labels stay "").
std::vector<Prediction> top_predictions(const Tensor& output, int k, const std::vector<std::string>* labels,
                                        bool already_probabilities);

}  // namespace deepvis::app
