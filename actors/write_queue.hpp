#pragma once

#include "protocol/gateway_messages.hpp"

#include <array>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace lattice::actors {

/// The backlog of API writes waiting for a free gateway (pure; the write
/// dispatcher owns one). Three rules:
/// - Urgency by weight: the most urgent class goes first, up to its share
///   of a round. Out of every 11 writes sent while all three classes wait,
///   8 start pods, 2 free GPUs and 1 is bookkeeping. A new job's creates
///   pass a wave of other nodes' deletes and thousands of status writes
///   and Events, and neither of those ever stops: bookkeeping still gets 1
///   in 11 under the heaviest fill, and any class alone gets every gateway.
/// - Frees before starts, per node: a pod create pinned to a node waits
///   while a delete that frees GPUs on that node is queued, in flight, or
///   announced (expect_frees: the autoscaler's plan gave the node's GPUs
///   to another job and the victims' deletes are on their way). A pod is
///   therefore never created on GPUs its node still gives to the pod it
///   replaces.
/// - Order by key: writes with the same non-empty key go one at a time, in
///   the order pushed (a job's merge patches must not overtake each other).
///   Writes of other keys pass a key that waits.
template <class T>
class write_queue {
public:
  using write_class = protocol::write_class;

  struct entry {
    T item;
    std::string key;
    /// The node a create starts GPUs on, or a delete frees them on ("": none).
    std::string node;
    write_class urgency = write_class::bookkeeping;
  };

  /// Adds a write behind the others of its class (or of its key).
  void push(write_class urgency, std::string key, std::string node, T item) {
    ++size_;
    ++class_sizes_[index(urgency)];
    entry e{std::move(item), std::move(key), std::move(node), urgency};
    if (urgency == write_class::free_gpus && !e.node.empty()) {
      auto& n = nodes_[e.node];
      if (n.expected > 0)
        --n.expected; // an announced delete arrived
      ++n.queued;
    }
    if (!e.key.empty()) {
      auto [it, first] = keys_.try_emplace(e.key);
      if (!first) { // the key has a write queued or in flight: wait behind it
        it->second.push_back(std::move(e));
        return;
      }
    }
    ready_[index(urgency)].push_back(std::move(e));
  }
  void push(write_class urgency, std::string key, T item) {
    push(urgency, std::move(key), {}, std::move(item));
  }

  /// The next write to send: the most urgent class that has a write ready
  /// and turns left in this round; a new round when none has. Nothing when
  /// the queue is empty or every queued write waits for its key or node.
  /// The key stays taken until done(key); a node's free until freed(node).
  std::optional<entry> pop() {
    auto next = next_ready();
    if (!next) {
      turns_left_ = weights;
      next = next_ready();
      if (!next)
        return std::nullopt;
    }
    const auto [c, position] = *next;
    --turns_left_[c];
    auto& q = ready_[c];
    entry e = std::move(q[position]);
    q.erase(q.begin() + static_cast<std::ptrdiff_t>(position));
    --size_;
    --class_sizes_[c];
    if (e.urgency == write_class::free_gpus && !e.node.empty()) {
      auto& n = nodes_[e.node];
      --n.queued;
      ++n.in_flight;
    }
    return e;
  }

  /// The write popped with `key` was answered: the next with that key may go.
  void done(const std::string& key) {
    if (key.empty())
      return;
    auto it = keys_.find(key);
    if (it == keys_.end())
      return;
    if (it->second.empty()) {
      keys_.erase(it);
      return;
    }
    auto next = std::move(it->second.front());
    it->second.pop_front();
    // It has waited for its key already: it goes first in its class.
    const auto c = index(next.urgency);
    ready_[c].push_front(std::move(next));
  }

  /// A delete that freed GPUs on `node` was answered: the node's GPUs are
  /// being released (the pod is terminating).
  void freed(const std::string& node) {
    auto it = nodes_.find(node);
    if (it == nodes_.end() || it->second.in_flight == 0)
      return;
    --it->second.in_flight;
    forget_if_idle(it);
  }

  /// `count` deletes that free GPUs on `node` are on their way: creates
  /// pinned there wait for them (until forget_expected).
  void expect_frees(const std::string& node, int count) {
    if (count > 0)
      nodes_[node].expected += count;
  }

  /// The announced deletes that have not come within the dispatcher's wait
  /// are not waited for any longer (the victim had nothing left to delete).
  void forget_expected(const std::string& node, int count) {
    auto it = nodes_.find(node);
    if (it == nodes_.end())
      return;
    it->second.expected -= std::min(it->second.expected, count);
    forget_if_idle(it);
  }

  /// Creates pinned to `node` wait.
  bool held(const std::string& node) const {
    auto it = nodes_.find(node);
    return it != nodes_.end()
           && (it->second.expected > 0 || it->second.queued > 0 || it->second.in_flight > 0);
  }

  /// Writes not yet popped.
  std::size_t size() const { return size_; }
  /// Writes of class `c` not yet popped (waiting for their key included).
  std::size_t size(write_class c) const { return class_sizes_[index(c)]; }

  /// Takes every write not yet popped (shutdown answers them), in no
  /// particular order.
  template <class F>
  void drain(F each) {
    for (auto& q : ready_)
      for (auto& e : q)
        each(std::move(e.item));
    for (auto& [key, waiting] : keys_)
      for (auto& e : waiting)
        each(std::move(e.item));
    ready_ = {};
    keys_.clear();
    nodes_.clear();
    size_ = 0;
    class_sizes_ = {};
  }

  /// Writes per round, by class: start_pods, free_gpus, bookkeeping.
  static constexpr std::array<int, 3> weights{8, 2, 1};

private:
  /// A node's deletes that free GPUs: announced, queued, in flight.
  struct node_frees {
    int expected = 0;
    int queued = 0;
    int in_flight = 0;
  };

  static std::size_t index(write_class c) { return static_cast<std::size_t>(c); }

  void forget_if_idle(typename std::map<std::string, node_frees>::iterator it) {
    if (it->second.expected == 0 && it->second.queued == 0 && it->second.in_flight == 0)
      nodes_.erase(it);
  }

  /// The first write of `c` that may go now: a create of a held node waits.
  std::optional<std::size_t> first_ready(std::size_t c) const {
    const auto& q = ready_[c];
    for (std::size_t i = 0; i < q.size(); ++i)
      if (q[i].urgency != write_class::start_pods || q[i].node.empty() || !held(q[i].node))
        return i;
    return std::nullopt;
  }

  /// The class and position of the next write, by urgency and turns left.
  std::optional<std::pair<std::size_t, std::size_t>> next_ready() const {
    for (std::size_t c = 0; c < ready_.size(); ++c)
      if (turns_left_[c] > 0)
        if (auto position = first_ready(c))
          return std::make_pair(c, *position);
    return std::nullopt;
  }

  std::array<std::deque<entry>, 3> ready_;
  /// Keys with a write ready or in flight, each with the writes behind it.
  std::map<std::string, std::deque<entry>> keys_;
  std::map<std::string, node_frees> nodes_;
  std::array<int, 3> turns_left_ = weights;
  std::size_t size_ = 0;
  std::array<std::size_t, 3> class_sizes_{};
};

} // namespace lattice::actors
