#include "k8s/codec/encoders.hpp"
#include "k8s/codec/json_writer.hpp"

#include <functional>

namespace lattice::k8s {

namespace {

std::vector<std::string> split_path(std::string_view dotted) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = dotted.find('.', start);
    out.emplace_back(
        dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos)
      return out;
    start = dot + 1;
  }
}

} // namespace

merge_patch& merge_patch::set_at(const std::vector<std::string>& path, std::string json) {
  node* current = &root_;
  for (const auto& segment : path) {
    current->json.clear(); // an object node now, even if it was a leaf before
    node* next = nullptr;
    for (auto& child : current->children)
      if (child.key == segment)
        next = &child;
    if (next == nullptr) {
      current->children.push_back(node{segment, {}, {}});
      next = &current->children.back();
    }
    current = next;
  }
  current->children.clear();
  current->json = std::move(json);
  return *this;
}

merge_patch& merge_patch::set(std::string_view dotted_path, std::string_view value) {
  codec::json_writer w;
  w.string(value);
  return set_at(split_path(dotted_path), w.take());
}

merge_patch& merge_patch::set(std::string_view dotted_path, std::int64_t value) {
  return set_at(split_path(dotted_path), std::to_string(value));
}

merge_patch& merge_patch::set(std::string_view dotted_path, bool value) {
  return set_at(split_path(dotted_path), value ? "true" : "false");
}

merge_patch& merge_patch::remove(std::string_view dotted_path) {
  return set_at(split_path(dotted_path), "null");
}

std::string merge_patch::encode() const {
  codec::json_writer w;
  std::function<void(const node&)> write = [&](const node& n) {
    if (!n.json.empty()) {
      w.raw(n.json);
      return;
    }
    w.begin_object();
    for (const auto& child : n.children) {
      w.key(child.key);
      write(child);
    }
    w.end_object();
  };
  write(root_);
  return w.take();
}

} // namespace lattice::k8s
