#include "scheduling/placement.hpp"

#include "scheduling/constraints.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>

namespace lattice::scheduling {

resource_index::resource_index(const std::string& gpu_resource) : names_{gpu_resource} {}

void resource_index::add_names(const resource_list& list) {
  for (const auto& entry : list.entries())
    if (std::find(names_.begin(), names_.end(), entry.first) == names_.end())
      names_.push_back(entry.first);
}

namespace {

/// A node's allocatable `name`. A node that lists no `pods` (hand-made Node
/// objects, snapshot documents written without it) is not limited by its
/// pod count, although every worker requests `pods: 1`.
int64_t allocatable_of(const node_info& node, const std::string& name) {
  if (name == pods_resource) {
    const auto& entries = node.allocatable.entries();
    const bool listed =
        std::any_of(entries.begin(), entries.end(), [](const auto& e) { return e.first == pods_resource; });
    if (!listed)
      return unlimited_pods;
  }
  return node.allocatable.get(name);
}

} // namespace

cluster_state::cluster_state(std::vector<const node_info*> nodes, const resource_index& index)
    : nodes_(std::move(nodes)), dims_(index.size()), free_(nodes_.size() * dims_, 0),
      node_classes_(nodes_.size()), blocked_(nodes_.size(), 0) {
  node_ids_.reserve(nodes_.size());
  for (std::size_t n = 0; n < nodes_.size(); ++n)
    node_ids_.emplace(nodes_[n]->name, static_cast<int>(n));
  for (std::size_t n = 0; n < nodes_.size(); ++n)
    for (std::size_t d = 0; d < dims_; ++d)
      free_[n * dims_ + d] =
          allocatable_of(*nodes_[n], index.name(d)) - nodes_[n]->used_by_others.get(index.name(d));
  empty_ = free_;
}

int64_t cluster_state::empty_capacity(int node, const int64_t* req) const {
  const int64_t* e = &empty_[static_cast<std::size_t>(node) * dims_];
  int64_t cap = unbounded;
  for (std::size_t d = 0; d < dims_; ++d) {
    if (req[d] <= 0)
      continue;
    if (e[d] < req[d])
      return 0;
    cap = std::min(cap, e[d] / req[d]);
  }
  return cap;
}

int cluster_state::find_node(const std::string& name) const {
  auto it = node_ids_.find(name);
  return it == node_ids_.end() ? -1 : it->second;
}

int64_t cluster_state::capacity(int node, const int64_t* req) const {
  if (blocked_[static_cast<std::size_t>(node)])
    return 0;
  return raw_capacity(node, req);
}

int64_t cluster_state::raw_capacity(int node, const int64_t* req) const {
  const int64_t* f = free(node);
  int64_t cap = unbounded;
  for (std::size_t d = 0; d < dims_; ++d) {
    if (req[d] <= 0)
      continue;
    if (f[d] < req[d])
      return 0;
    cap = std::min(cap, f[d] / req[d]);
  }
  return cap;
}

int64_t cluster_state::capacity_after_release(int node, const int64_t* req, const int64_t* freed,
                                              int64_t count) const {
  if (blocked_[static_cast<std::size_t>(node)])
    return 0;
  const int64_t* f = free(node);
  int64_t cap = unbounded;
  for (std::size_t d = 0; d < dims_; ++d) {
    if (req[d] <= 0)
      continue;
    int64_t after = f[d] + freed[d] * count;
    if (after < req[d])
      return 0;
    cap = std::min(cap, after / req[d]);
  }
  return cap;
}

void cluster_state::reserve(int node, const int64_t* req, int64_t count) {
  int64_t old_gpus = free(node)[0];
  int64_t* f = &free_[static_cast<std::size_t>(node) * dims_];
  for (std::size_t d = 0; d < dims_; ++d)
    f[d] -= req[d] * count;
  if (req[0] != 0)
    update_index(node, old_gpus);
}

void cluster_state::release(int node, const int64_t* req, int64_t count) {
  reserve(node, req, -count);
  ++release_epoch_;
}

void cluster_state::block(int node) {
  auto n = static_cast<std::size_t>(node);
  if (blocked_[n])
    return;
  blocked_[n] = 1;
  for (int c : node_classes_[n]) {
    classes_[c].by_free_gpus.erase({free(node)[0], node});
    classes_[c].eligible[n] = 0;
  }
  node_classes_[n].clear();
}

void cluster_state::set_topology(const std::vector<std::string>& keys) {
  domain_of_.clear();
  for (const auto& key : keys) {
    std::map<std::string_view, int> ids;
    std::vector<int> of(nodes_.size(), -1);
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      auto it = nodes_[n]->labels.find(key);
      if (it != nodes_[n]->labels.end())
        of[n] = ids.emplace(it->second, static_cast<int>(ids.size())).first->second;
    }
    domain_of_.push_back(std::move(of));
  }
}

bool cluster_state::place_in_domain(int cls_id, const int64_t* req, int64_t& remaining, std::vector<int>& out,
                                    const std::vector<int>& placed) {
  const auto& cls = classes_[cls_id];
  for (const auto& of : domain_of_) {
    // Capacity per domain, and its nodes (from the class's tree).
    std::map<int, int64_t> room;
    for (const auto& [gpus, n] : cls.by_free_gpus)
      if (of[static_cast<std::size_t>(n)] >= 0)
        if (int64_t c = capacity(n, req); c > 0)
          room[of[static_cast<std::size_t>(n)]] += c;
    int chosen = -1;
    // The job's own domain when it can hold the rest; else the smallest
    // domain that can (keeps large domains for large jobs); ties by id.
    for (int n : placed)
      if (n >= 0 && of[static_cast<std::size_t>(n)] >= 0) {
        auto it = room.find(of[static_cast<std::size_t>(n)]);
        if (it != room.end() && it->second >= remaining) {
          chosen = it->first;
          break;
        }
      }
    if (chosen < 0) {
      int64_t best = std::numeric_limits<int64_t>::max();
      for (const auto& [d, r] : room)
        if (r >= remaining && r < best) {
          best = r;
          chosen = d;
        }
    }
    if (chosen < 0)
      continue;
    // Inside it: the largest nodes first (fewest nodes), the last piece on
    // the tightest node that takes it; ties by node id.
    std::vector<std::pair<int64_t, int>> nodes;
    for (const auto& [gpus, n] : cls.by_free_gpus)
      if (of[static_cast<std::size_t>(n)] == chosen)
        if (int64_t c = capacity(n, req); c > 0)
          nodes.emplace_back(c, n);
    std::sort(nodes.begin(), nodes.end(),
              [](auto& a, auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    while (remaining > 0) {
      auto fit = std::find_if(nodes.rbegin(), nodes.rend(), [&](auto& e) { return e.first >= remaining; });
      auto& e = fit != nodes.rend() ? *fit : nodes.front();
      int64_t take = std::min(e.first, remaining);
      reserve(e.second, req, take);
      out.insert(out.end(), static_cast<std::size_t>(take), e.second);
      remaining -= take;
      e.first -= take;
      std::sort(nodes.begin(), nodes.end(), [](auto& a, auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
      });
    }
    return true;
  }
  return false;
}

void cluster_state::unblock(int node) {
  auto n = static_cast<std::size_t>(node);
  if (!blocked_[n])
    return;
  blocked_[n] = 0;
  for (std::size_t c = 0; c < classes_.size(); ++c) {
    auto& cls = classes_[c];
    if (cls.eligible.empty() || !node_admits(cls.constraints, *nodes_[n]))
      continue;
    cls.eligible[n] = 1;
    cls.by_free_gpus.insert({free(node)[0], node});
    node_classes_[n].push_back(static_cast<int>(c));
  }
}

void cluster_state::update_index(int node, int64_t old_gpus) {
  int64_t new_gpus = free(node)[0];
  if (new_gpus == old_gpus)
    return;
  for (int c : node_classes_[node]) {
    auto& set = classes_[c].by_free_gpus;
    // Re-key the existing tree node: no allocation in the hot path.
    auto handle = set.extract({old_gpus, node});
    handle.value().first = new_gpus;
    set.insert(std::move(handle));
  }
}

namespace {

std::size_t hash_constraints(const placement_constraints& c) {
  std::hash<std::string> h;
  std::size_t seed = 0;
  auto mix = [&seed](std::size_t v) { seed ^= v + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2); };
  for (const auto& [k, v] : c.node_selector) {
    mix(h(k));
    mix(h(v));
  }
  mix(c.required_affinity.size());
  for (const auto& term : c.required_affinity)
    for (const auto& r : term.match_expressions) {
      mix(h(r.key));
      mix(static_cast<std::size_t>(r.op));
      for (const auto& v : r.values)
        mix(h(v));
    }
  for (const auto& t : c.tolerations) {
    mix(h(t.key));
    mix(h(t.value));
    mix(static_cast<std::size_t>(t.op));
    mix(t.effect ? static_cast<std::size_t>(*t.effect) + 1 : 0);
  }
  return seed;
}

} // namespace

int cluster_state::eligibility_class(const placement_constraints& constraints) {
  // Most jobs have no constraints at all: skip hashing for them.
  bool unconstrained = constraints.node_selector.empty() && constraints.required_affinity.empty()
                       && constraints.tolerations.empty();
  if (unconstrained && unconstrained_class_ >= 0)
    return unconstrained_class_;
  auto& bucket = class_lookup_[hash_constraints(constraints)];
  for (int c : bucket)
    if (classes_[c].constraints == constraints)
      return c;
  int id = static_cast<int>(classes_.size());
  eligibility cls;
  cls.constraints = constraints;
  classes_.push_back(std::move(cls));
  bucket.push_back(id);
  if (unconstrained)
    unconstrained_class_ = id;
  if (indexes_built_)
    build_index(id);
  return id;
}

void cluster_state::build_indexes() {
  for (std::size_t c = 0; c < classes_.size(); ++c)
    if (classes_[c].eligible.empty())
      build_index(static_cast<int>(c));
  indexes_built_ = true;
}

void cluster_state::build_index(int id) {
  eligibility& cls = classes_[id];
  cls.eligible.assign(nodes_.size(), 0);
  std::vector<std::pair<int64_t, int>> keys;
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    if (blocked_[n] || !node_admits(cls.constraints, *nodes_[n]))
      continue;
    cls.eligible[n] = 1;
    keys.emplace_back(free(static_cast<int>(n))[0], static_cast<int>(n));
    node_classes_[n].push_back(id);
  }
  // Sorted input with an end hint builds the tree in linear time.
  std::sort(keys.begin(), keys.end());
  for (const auto& key : keys)
    cls.by_free_gpus.emplace_hint(cls.by_free_gpus.end(), key);
}

int64_t cluster_state::total_capacity(int cls, const int64_t* req, int64_t limit) const {
  const auto& set = classes_[cls].by_free_gpus;
  int64_t total = 0;
  // With a GPU request only nodes with at least that many free GPUs count:
  // walk down from the roomiest and stop at the first node too small.
  for (auto it = set.rbegin(); it != set.rend() && total < limit; ++it) {
    if (req[0] > 0 && it->first < req[0])
      break;
    total += capacity(it->second, req);
  }
  return total;
}

int cluster_state::best_single_node(const eligibility& cls, const int64_t* req, int64_t remaining) const {
  int64_t min_gpus = req[0] > 0 ? req[0] * remaining : std::numeric_limits<int64_t>::min();
  for (auto it = cls.by_free_gpus.lower_bound({min_gpus, -1}); it != cls.by_free_gpus.end(); ++it)
    if (capacity(it->second, req) >= remaining)
      return it->second;
  return -1;
}

int cluster_state::roomiest_node(const eligibility& cls, const int64_t* req) const {
  int best = -1;
  int64_t best_cap = 0;
  if (req[0] <= 0) {
    for (const auto& [gpus, n] : cls.by_free_gpus) {
      int64_t cap = capacity(n, req);
      if (cap > best_cap) {
        best = n;
        best_cap = cap;
      }
    }
    return best;
  }
  // The most workers any node takes; GPUs bound it, so scan down only while
  // a node could still beat the best so far.
  for (auto it = cls.by_free_gpus.rbegin(); it != cls.by_free_gpus.rend(); ++it) {
    if (it->first / req[0] <= best_cap)
      break;
    best_cap = std::max(best_cap, capacity(it->second, req));
  }
  if (best_cap == 0)
    return -1;
  // Among nodes taking that many, the one with the fewest free GPUs, then name.
  for (auto it = cls.by_free_gpus.lower_bound({req[0] * best_cap, -1}); it != cls.by_free_gpus.end(); ++it)
    if (capacity(it->second, req) >= best_cap)
      return it->second;
  return best;
}

int64_t cluster_state::place(int cls_id, const int64_t* req, int64_t count, const std::vector<int>& preferred,
                             std::vector<int>& out) {
  const auto& cls = classes_[cls_id];
  int64_t remaining = count;
  auto put = [&](int node, int64_t n) {
    reserve(node, req, n);
    out.insert(out.end(), static_cast<std::size_t>(n), node);
    remaining -= n;
  };
  if (!preferred.empty()) {
    std::vector<int> own = preferred;
    std::sort(own.begin(), own.end());
    own.erase(std::unique(own.begin(), own.end()), own.end());
    for (int node : own) {
      if (remaining == 0)
        break;
      if (node >= 0 && eligible(cls_id, node))
        if (int64_t n = std::min(capacity(node, req), remaining); n > 0)
          put(node, n);
    }
  }
  // Spanning nodes: inside one topology domain where one can hold the rest
  // (the domain already hosting the job first).
  if (remaining > 0 && !domain_of_.empty() && best_single_node(cls, req, remaining) < 0) {
    std::vector<int> placed = out;
    placed.insert(placed.end(), preferred.begin(), preferred.end());
    if (place_in_domain(cls_id, req, remaining, out, placed))
      return count - remaining;
  }
  while (remaining > 0) {
    int node = best_single_node(cls, req, remaining);
    if (node >= 0) {
      put(node, remaining);
      break;
    }
    node = roomiest_node(cls, req);
    if (node < 0)
      break;
    put(node, std::min(capacity(node, req), remaining));
  }
  return count - remaining;
}

} // namespace lattice::scheduling
