#include "tests/fuzz/onnx_model_mutator.hpp"

#include "compute/onnx/onnx_import.hpp"

#include <limits>
#include <set>
#include <string>
#include <vector>

namespace deepvis::test {

namespace {

using Rng = std::mt19937_64;

size_t pick(Rng& rng, size_t n) {
  return std::uniform_int_distribution<size_t>(0, n - 1)(rng);
}

// Wrapping, as the mutator must not be where UB happens.
int64_t wrap(uint64_t v) {
  return static_cast<int64_t>(v);
}

int64_t interesting_int(Rng& rng, int64_t old) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  const auto u = static_cast<uint64_t>(old);
  const int64_t values[] = {0,
                            1,
                            -1,
                            2,
                            3,
                            wrap(u + 1),
                            wrap(u - 1),
                            wrap(-u),
                            wrap(u * 2),
                            1000,
                            4096,
                            -1000,
                            int64_t{1} << 20,
                            int64_t{1} << 30,
                            kMax / 2,
                            kMax,
                            kMin,
                            int64_t{1} << 40};
  return values[pick(rng, std::size(values))];
}

float interesting_float(Rng& rng, float old) {
  const float values[] = {0.0f,
                          -0.0f,
                          1.0f,
                          -1.0f,
                          0.5f,
                          1e-30f,
                          1e30f,
                          -old,
                          old * 2,
                          std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN()};
  return values[pick(rng, std::size(values))];
}

template <class Repeated>
void mutate_int_list(Repeated& list, Rng& rng) {
  const size_t choice = pick(rng, 4);
  if (choice == 0 || list.empty()) {
    list.Add(interesting_int(rng, 0));
  } else if (choice == 1) {
    list.RemoveLast();
  } else {
    auto& v = list[static_cast<int>(pick(rng, static_cast<size_t>(list.size())))];
    v = static_cast<std::remove_reference_t<decltype(v)>>(interesting_int(rng, static_cast<int64_t>(v)));
  }
}

void mutate_tensor(onnx::TensorProto& t, Rng& rng) {
  switch (pick(rng, 5)) {
    case 0: mutate_int_list(*t.mutable_dims(), rng); return;
    case 1: t.set_data_type(static_cast<int32_t>(pick(rng, 17))); return;
    case 2: mutate_int_list(*t.mutable_int64_data(), rng); return;
    case 3: mutate_int_list(*t.mutable_int32_data(), rng); return;
    default:
      if (t.float_data_size() > 0) {
        const int i = static_cast<int>(pick(rng, static_cast<size_t>(t.float_data_size())));
        t.set_float_data(i, interesting_float(rng, t.float_data(i)));
      } else if (!t.raw_data().empty()) {
        (*t.mutable_raw_data())[pick(rng, t.raw_data().size())] = static_cast<char>(rng());
      }
      return;
  }
}

void mutate_attribute(onnx::AttributeProto& a, Rng& rng) {
  if (a.has_t() && pick(rng, 2) == 0) return mutate_tensor(*a.mutable_t(), rng);
  if (a.ints_size() > 0 || a.type() == onnx::AttributeProto::INTS) return mutate_int_list(*a.mutable_ints(), rng);
  if (a.has_f()) return a.set_f(interesting_float(rng, a.f()));
  if (a.has_i()) return a.set_i(interesting_int(rng, a.i()));
  if (a.floats_size() > 0) {
    const int i = static_cast<int>(pick(rng, static_cast<size_t>(a.floats_size())));
    a.set_floats(i, interesting_float(rng, a.floats(i)));
  }
}

// Any value name of the graph, so that inputs can be rewired to something that exists.
std::vector<std::string> value_names(const onnx::GraphProto& g) {
  std::vector<std::string> names;
  for (const auto& vi : g.input()) names.push_back(vi.name());
  for (const auto& t : g.initializer()) names.push_back(t.name());
  for (const auto& n : g.node()) names.insert(names.end(), n.output().begin(), n.output().end());
  return names;
}

void mutate_node(onnx::GraphProto& g, onnx::NodeProto& node, Rng& rng) {
  switch (pick(rng, 5)) {
    case 0:
    case 1:
      if (node.attribute_size() > 0) {
        mutate_attribute(
            *node.mutable_attribute(static_cast<int>(pick(rng, static_cast<size_t>(node.attribute_size())))), rng);
      }
      return;
    case 2: {
      const std::vector<std::string> ops = supported_onnx_ops();
      node.set_op_type(ops[pick(rng, ops.size())]);
      return;
    }
    case 3: {
      const std::vector<std::string> names = value_names(g);
      if (names.empty()) return;
      if (node.input_size() == 0 || pick(rng, 3) == 0) {
        node.add_input(names[pick(rng, names.size())]);
      } else {
        node.set_input(static_cast<int>(pick(rng, static_cast<size_t>(node.input_size()))),
                       names[pick(rng, names.size())]);
      }
      return;
    }
    default:
      if (node.input_size() > 0) node.mutable_input()->RemoveLast();
      return;
  }
}

void mutate_value_info(onnx::ValueInfoProto& vi, Rng& rng) {
  auto* tt = vi.mutable_type()->mutable_tensor_type();
  if (pick(rng, 4) == 0) return tt->set_elem_type(static_cast<int32_t>(pick(rng, 17)));
  auto* shape = tt->mutable_shape();
  if (shape->dim_size() == 0 || pick(rng, 4) == 0) {
    shape->add_dim()->set_dim_value(interesting_int(rng, 1));
    return;
  }
  auto* dim = shape->mutable_dim(static_cast<int>(pick(rng, static_cast<size_t>(shape->dim_size()))));
  if (pick(rng, 5) == 0) {
    dim->set_dim_param("N");
  } else {
    dim->set_dim_value(interesting_int(rng, dim->dim_value()));
  }
}

void truncate(onnx::GraphProto& g, Rng& rng) {
  const auto keep = static_cast<int>(1 + pick(rng, static_cast<size_t>(g.node_size())));
  g.mutable_node()->DeleteSubrange(keep, g.node_size() - keep);
  const onnx::NodeProto& last = g.node(keep - 1);
  if (last.output_size() == 0) return;
  g.clear_output();
  onnx::ValueInfoProto* out = g.add_output();
  out->set_name(last.output(0));
  out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  std::set<std::string> read;
  for (const auto& n : g.node()) read.insert(n.input().begin(), n.input().end());
  auto* inits = g.mutable_initializer();
  for (int i = inits->size(); i-- > 0;) {
    if (!read.count(inits->Get(i).name())) inits->DeleteSubrange(i, 1);
  }
  auto* inputs = g.mutable_input();  // old exporters list initializers as inputs too
  for (int i = inputs->size(); i-- > 1;) {
    if (!read.count(inputs->Get(i).name())) inputs->DeleteSubrange(i, 1);
  }
  g.clear_value_info();
}

}  // namespace

bool truncate_model(onnx::ModelProto& model, Rng& rng) {
  if (model.graph().node_size() == 0) return false;
  truncate(*model.mutable_graph(), rng);
  return true;
}

bool mutate_model(onnx::ModelProto& model, Rng& rng) {
  onnx::GraphProto& g = *model.mutable_graph();
  if (g.node_size() > 8 && pick(rng, 4) == 0) return truncate_model(model, rng);
  switch (pick(rng, 6)) {
    case 0:
    case 1:
      if (g.node_size() == 0) return false;
      mutate_node(g, *g.mutable_node(static_cast<int>(pick(rng, static_cast<size_t>(g.node_size())))), rng);
      return true;
    case 2:
      if (g.initializer_size() == 0) return false;
      mutate_tensor(*g.mutable_initializer(static_cast<int>(pick(rng, static_cast<size_t>(g.initializer_size())))),
                    rng);
      return true;
    case 3:
      if (g.input_size() == 0) return false;
      mutate_value_info(*g.mutable_input(static_cast<int>(pick(rng, static_cast<size_t>(g.input_size())))), rng);
      return true;
    case 4:
      if (g.output_size() == 0) return false;
      mutate_value_info(*g.mutable_output(static_cast<int>(pick(rng, static_cast<size_t>(g.output_size())))), rng);
      return true;
    default:
      if (model.opset_import_size() == 0) return false;
      model.mutable_opset_import(0)->set_version(static_cast<int64_t>(6 + pick(rng, 13)));
      return true;
  }
}

}  // namespace deepvis::test
