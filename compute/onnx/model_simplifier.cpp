#include "compute/onnx/model_simplifier.hpp"

#include "compute/core/error.hpp"
#include "compute/onnx/fold_constants.hpp"
#include "compute/onnx/shape_inference.hpp"

#include <map>
#include <set>
#include <vector>

namespace deepvis::onnx_internal {

namespace {

// Every value name a node reads, its subgraphs' reads of outer values included (an If branch may read any value
// of the graph around it).
void collect_reads(const onnx::NodeProto& node, std::set<std::string>& reads) {
  for (const std::string& in : node.input()) {
    if (!in.empty()) reads.insert(in);
  }
  for (const onnx::AttributeProto& a : node.attribute()) {
    if (a.has_g()) {
      for (const onnx::NodeProto& inner : a.g().node()) collect_reads(inner, reads);
      for (const onnx::ValueInfoProto& out : a.g().output()) reads.insert(out.name());
    }
    for (const onnx::GraphProto& g : a.graphs()) {
      for (const onnx::NodeProto& inner : g.node()) collect_reads(inner, reads);
    }
  }
}

const onnx::GraphProto* branch_attribute(const onnx::NodeProto& node, const std::string& name) {
  for (const onnx::AttributeProto& a : node.attribute()) {
    if (a.name() == name && a.has_g()) return &a.g();
  }
  return nullptr;
}

// One round: evaluate, inline decided Ifs, write the values that remaining nodes read as initializers, drop the
// folded and the dead nodes. Returns whether anything changed.
class Round {
 public:
  Round(onnx::ModelProto& model, int64_t opset, SimplifyCounts& counts)
      : graph_(*model.mutable_graph()), opset_(opset), counts_(counts) {
    for (const onnx::TensorProto& t : graph_.initializer()) initializers_[t.name()] = &t;
    for (const onnx::ValueInfoProto& vi : graph_.input()) {
      types_[vi.name()] = &vi.type();
      graph_inputs_.insert(vi.name());
      if (!initializers_.count(vi.name()) && batch_.empty() && vi.type().has_tensor_type()) {
        const auto& shape = vi.type().tensor_type().shape();
        if (shape.dim_size() > 0 && !shape.dim(0).has_dim_value()) {
          batch_ = shape.dim(0).has_dim_param() ? shape.dim(0).dim_param() : std::string();
          batch_input_ = vi.name();
        }
      }
    }
    for (const onnx::ValueInfoProto& vi : graph_.value_info()) types_[vi.name()] = &vi.type();
    for (const onnx::ValueInfoProto& vi : graph_.output()) types_[vi.name()] = &vi.type();
  }

  bool run() {
    std::vector<onnx::NodeProto> nodes;
    std::vector<bool> folded;
    bool changed = false;
    for (const onnx::NodeProto& node : graph_.node()) {
      if (node.op_type() == "If" && inline_if(node, nodes, folded)) {
        changed = true;
        continue;
      }
      folded.push_back(evaluate(node));
      nodes.push_back(node);
    }
    std::vector<onnx::NodeProto> kept;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (folded[i]) {
        ++counts_.folded;
        changed = true;
      } else {
        kept.push_back(nodes[i]);
      }
    }
    for (onnx::NodeProto& node : kept) {
      for (int j = 0; j < node.input_size(); ++j) make_available(node, j);
      if (node.attribute_size() > 0) {  // a branch that stays reads outer values by name
        std::set<std::string> reads;
        collect_reads(node, reads);
        for (const std::string& name : reads) make_available_as(name, name, 1);
      }
    }
    for (const onnx::ValueInfoProto& out : graph_.output()) make_available_as(out.name(), out.name(), 1);
    changed = drop_dead(kept) || changed;
    graph_.clear_node();
    for (onnx::NodeProto& node : kept) *graph_.add_node() = std::move(node);
    for (onnx::TensorProto& t : added_) *graph_.add_initializer() = std::move(t);
    drop_unused_initializers();
    return changed;
  }

 private:
  std::optional<FoldedValue> shape_of(const std::string& name) const {
    FoldedValue shape;
    if (const FoldedValue* v = known(name)) {
      shape.ints = v->dims;
    } else if (auto it = initializers_.find(name); it != initializers_.end()) {
      shape.ints.assign(it->second->dims().begin(), it->second->dims().end());
    } else {
      auto t = types_.find(name);
      if (t == types_.end() || !t->second->has_tensor_type() || !t->second->tensor_type().has_shape()) {
        return std::nullopt;
      }
      const auto& dims = t->second->tensor_type().shape();
      for (int i = 0; i < dims.dim_size(); ++i) {
        const auto& d = dims.dim(i);
        const bool batch = (!batch_.empty() && d.has_dim_param() && d.dim_param() == batch_) ||
                           (name == batch_input_ && i == 0 && !d.has_dim_value());
        if ((!d.has_dim_value() && !batch) || d.dim_value() < 0) return std::nullopt;  // negative: corrupt
        shape.ints.push_back(batch ? 0 : d.dim_value());
        shape.batch.push_back(batch);
      }
      if (!shape.has_batch()) shape.batch.clear();
    }
    shape.dims = {static_cast<int64_t>(shape.ints.size())};
    return shape;
  }

  const FoldedValue* known(const std::string& name) const {
    auto it = known_.find(name);
    return it == known_.end() ? nullptr : &it->second;
  }

  // A value as folding sees it: folded already, or a small initializer decoded on first use.
  const FoldedValue* value(const std::string& name) {
    if (const FoldedValue* v = known(name)) return v;
    auto it = initializers_.find(name);
    if (it == initializers_.end()) return nullptr;
    int64_t n = 1;
    for (int64_t d : it->second->dims()) {
      if (d < 0 || __builtin_mul_overflow(n, d, &n) || n > (int64_t{1} << 24)) return nullptr;
    }
    std::optional<FoldedValue> v = folded_from_proto(*it->second, "initializer '" + name + "'");
    if (!v) return nullptr;
    return &(known_[name] = std::move(*v));
  }

  bool evaluate(const onnx::NodeProto& node) {
    if (!foldable_op(node.op_type())) return false;
    std::vector<const FoldedValue*> inputs;
    for (const std::string& in : node.input()) inputs.push_back(in.empty() ? nullptr : value(in));
    const auto outputs = fold_node(node, opset_, inputs, [this](const std::string& n) { return shape_of(n); });
    if (!outputs || static_cast<int>(outputs->size()) != node.output_size()) return false;
    for (int i = 0; i < node.output_size(); ++i) {
      known_[node.output(i)] = (*outputs)[static_cast<size_t>(i)];
      produced_by_fold_.insert(node.output(i));
    }
    return true;
  }

  // An If whose condition is known becomes its taken branch: the branch's nodes and initializers join the graph,
  // and Identity nodes give its outputs the If's output names.
  bool inline_if(const onnx::NodeProto& node, std::vector<onnx::NodeProto>& nodes, std::vector<bool>& folded) {
    const FoldedValue* cond = node.input_size() > 0 ? value(node.input(0)) : nullptr;
    if (!cond || cond->numel() != 1 || cond->has_batch()) return false;
    const bool taken = cond->is_float() ? cond->floats[0] != 0.0 : cond->ints[0] != 0;
    const onnx::GraphProto* branch = branch_attribute(node, taken ? "then_branch" : "else_branch");
    if (!branch || branch->output_size() != node.output_size()) return false;
    for (const onnx::TensorProto& t : branch->initializer()) added_.push_back(t);
    for (const onnx::NodeProto& inner : branch->node()) {
      nodes.push_back(inner);
      folded.push_back(false);
    }
    for (int i = 0; i < node.output_size(); ++i) {
      onnx::NodeProto id;
      id.set_op_type("Identity");
      id.set_name(node.name() + "/" + (taken ? "then" : "else") + "_out" + std::to_string(i));
      id.add_input(branch->output(i).name());
      id.add_output(node.output(i));
      nodes.push_back(id);
      folded.push_back(false);
    }
    ++counts_.inlined_ifs;
    return true;
  }

  // A remaining node's input that was folded is written as an initializer. A Reshape target holding the symbolic
  // batch at position 0 gets 0 there (ONNX: copy the input's dim 0), so the batch stays symbolic.
  void make_available(onnx::NodeProto& node, int j) {
    const std::string& name = node.input(j);
    if (name.empty() || !produced_by_fold_.count(name)) return;
    const FoldedValue& v = known_.at(name);
    if (v.has_batch() && node.op_type() == "Reshape" && j == 1) {
      bool only_first = v.batch.size() > 0 && v.batch[0];
      for (size_t i = 1; i < v.batch.size(); ++i) only_first = only_first && !v.batch[i];
      if (only_first) {
        const std::string copied = name + "/batch_copied";
        make_available_as(name, copied, 0);
        node.set_input(j, copied);
        return;
      }
    }
    make_available_as(name, name, 1);
  }

  void make_available_as(const std::string& value, const std::string& name, int64_t batch_value) {
    if (!produced_by_fold_.count(value) || written_.count(name)) return;
    const FoldedValue& v = known_.at(value);
    if (v.has_batch() && batch_value != 0) ++counts_.batch_fixed;
    added_.push_back(folded_to_proto(v, name, batch_value));
    written_.insert(name);
  }

  bool drop_dead(std::vector<onnx::NodeProto>& nodes) {
    std::set<std::string> needed;
    for (const onnx::ValueInfoProto& out : graph_.output()) needed.insert(out.name());
    std::vector<bool> live(nodes.size(), false);
    for (size_t i = nodes.size(); i-- > 0;) {
      for (const std::string& out : nodes[i].output()) live[i] = live[i] || needed.count(out) > 0;
      if (live[i]) collect_reads(nodes[i], needed);
    }
    std::vector<onnx::NodeProto> kept;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (live[i]) {
        kept.push_back(std::move(nodes[i]));
      } else {
        ++counts_.dead;
      }
    }
    const bool changed = kept.size() != nodes.size();
    nodes = std::move(kept);
    return changed;
  }

  void drop_unused_initializers() {
    std::set<std::string> reads;
    for (const onnx::NodeProto& node : graph_.node()) collect_reads(node, reads);
    for (const onnx::ValueInfoProto& out : graph_.output()) reads.insert(out.name());
    auto* inits = graph_.mutable_initializer();
    for (int i = inits->size(); i-- > 0;) {
      const std::string& name = inits->Get(i).name();
      if (!reads.count(name) && !graph_inputs_.count(name)) inits->DeleteSubrange(i, 1);
    }
  }

  onnx::GraphProto& graph_;
  const int64_t opset_;
  SimplifyCounts& counts_;
  std::map<std::string, const onnx::TensorProto*> initializers_;
  std::map<std::string, const onnx::TypeProto*> types_;
  std::set<std::string> graph_inputs_;
  std::string batch_;        // the dim_param of the image input's symbolic batch dim
  std::string batch_input_;  // that input's name (empty: the batch is fixed)
  std::map<std::string, FoldedValue> known_;
  std::set<std::string> produced_by_fold_;
  std::set<std::string> written_;
  std::vector<onnx::TensorProto> added_;
};

}  // namespace

SimplifyCounts simplify_model(onnx::ModelProto& model, int64_t opset, const std::string& source) {
  SimplifyCounts counts;
  for (int round = 0; round < 16; ++round) {
    const bool changed = Round(model, opset, counts).run();
    if (!changed) break;
    model.mutable_graph()->clear_value_info();
    try {
      infer_shapes(model);
    } catch (const std::exception& e) {
      throw Error(source + ": ONNX shape inference failed after constant folding: " + e.what());
    }
  }
  return counts;
}

}  // namespace deepvis::onnx_internal
