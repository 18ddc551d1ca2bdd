#pragma once

#include "scheduling/job_info.hpp"
#include "scheduling/node_info.hpp"
#include "scheduling/resources.hpp"

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lattice::scheduling {

/// The resource names of one planning pass as dense dimensions; dimension 0
/// is always the GPU resource, so "free GPUs" is `free(node)[0]`.
class resource_index {
public:
  explicit resource_index(const std::string& gpu_resource);
  /// Adds every name requested in `list`.
  void add_names(const resource_list& list);
  std::size_t size() const { return names_.size(); }
  const std::string& name(std::size_t dim) const { return names_[dim]; }

private:
  std::vector<std::string> names_;
};

/// Free capacity of every node during one planning pass, with the indexes
/// that keep placement cheap: per distinct constraint set ("eligibility
/// class") the nodes a new worker may use, ordered by free GPUs then name.
/// Node ids are positions in name order, so every tie breaks by node name.
class cluster_state {
public:
  /// Workers per node when a request asks for nothing at all.
  static constexpr int64_t unbounded = int64_t{1} << 30;

  /// `nodes` must be sorted by name with unique names.
  cluster_state(std::vector<const node_info*> nodes, const resource_index& index);

  int node_count() const { return static_cast<int>(nodes_.size()); }
  const node_info& node(int id) const { return *nodes_[id]; }
  /// The node id of `name`, or -1.
  int find_node(const std::string& name) const;
  const int64_t* free(int node) const { return &free_[static_cast<std::size_t>(node) * dims_]; }

  /// How many workers requesting `req` fit in the node's free capacity now
  /// (0 on a blocked node).
  int64_t capacity(int node, const int64_t* req) const;
  /// The same, ignoring a block: for putting back a worker that was there.
  int64_t raw_capacity(int node, const int64_t* req) const;
  /// The same as capacity() if `count` workers of `freed` were released here
  /// first (nothing changes: for weighing what a release would give).
  int64_t capacity_after_release(int node, const int64_t* req, const int64_t* freed, int64_t count) const;
  /// How many fit once every worker planned here is gone (allocatable
  /// minus other pods).
  int64_t empty_capacity(int node, const int64_t* req) const;
  /// Takes (or gives back) `count` workers' worth of `req` on `node`.
  void reserve(int node, const int64_t* req, int64_t count);
  void release(int node, const int64_t* req, int64_t count);

  /// The eligibility class of `constraints`. Its node index (O(nodes)) is
  /// built by build_indexes(), or at once when that already ran; until then
  /// reservations skip index upkeep, so bulk loading is cheap.
  int eligibility_class(const placement_constraints& constraints);
  void build_indexes();
  bool eligible(int cls, int node) const { return classes_[cls].eligible[node] != 0; }

  /// Takes `node` out of every eligibility class for the rest of the pass:
  /// nothing new is placed there and its capacity counts as 0 (a
  /// reservation for the head of the queue).
  void block(int node);
  bool blocked(int node) const { return blocked_[static_cast<std::size_t>(node)] != 0; }
  /// Ends a block: the node is eligible again wherever it was before.
  void unblock(int node);

  /// Sum of capacity over the class's nodes, stopping early once >= `limit`.
  int64_t total_capacity(int cls, const int64_t* req, int64_t limit) const;

  /// Reserves up to `count` workers on the class's nodes and appends one node
  /// id per placed worker to `out`; returns how many were placed. Packing:
  /// first nodes in `preferred` (the job's own), then the best-fitting single
  /// node for all that remain (fewest GPUs left over), else the node taking
  /// the most workers, repeatedly. Callers wanting gang semantics check
  /// total_capacity() first.
  int64_t place(int cls, const int64_t* req, int64_t count, const std::vector<int>& preferred,
                std::vector<int>& out);

  /// Node label keys of topology domains (node group, rack...), most
  /// preferred first: a job that must span nodes is kept inside one domain
  /// of the first key where one can hold it.
  void set_topology(const std::vector<std::string>& keys);

  /// Bumped whenever capacity is given back, so "did not fit" results can be
  /// cached while capacity only shrinks.
  uint64_t release_epoch() const { return release_epoch_; }
  /// After a simulation that gave capacity back and then took all of it
  /// again, the state is as it was at `epoch`: cached failures stay valid.
  void rollback_epoch(uint64_t epoch) { release_epoch_ = epoch; }

private:
  struct eligibility {
    placement_constraints constraints;
    std::vector<uint8_t> eligible;
    /// (free GPUs, node id) of eligible nodes.
    std::set<std::pair<int64_t, int>> by_free_gpus;
  };

  void update_index(int node, int64_t old_gpus);
  void build_index(int id);
  int best_single_node(const eligibility& cls, const int64_t* req, int64_t remaining) const;
  int roomiest_node(const eligibility& cls, const int64_t* req) const;
  /// Places `remaining` workers inside one topology domain if one can hold
  /// them all; returns false (placing nothing) otherwise.
  bool place_in_domain(int cls, const int64_t* req, int64_t& remaining, std::vector<int>& out,
                       const std::vector<int>& placed);

  std::vector<const node_info*> nodes_;
  std::unordered_map<std::string_view, int> node_ids_;
  std::size_t dims_;
  std::vector<int64_t> free_;
  /// free_ before any worker was placed.
  std::vector<int64_t> empty_;
  std::vector<eligibility> classes_;
  std::vector<std::vector<int>> node_classes_;
  std::vector<uint8_t> blocked_;
  /// Per topology key: the domain id of each node (-1: no such label).
  std::vector<std::vector<int>> domain_of_;
  std::unordered_map<std::size_t, std::vector<int>> class_lookup_;
  uint64_t release_epoch_ = 0;
  int unconstrained_class_ = -1;
  bool indexes_built_ = false;
};

} // namespace lattice::scheduling
