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
/// dispatcher owns one). Two rules:
/// - Urgency by weight: the most urgent class goes first, up to its share
///   of a round. Out of every 11 writes sent while all three classes wait,
///   8 start pods, 2 free GPUs and 1 is bookkeeping. A new job's
///   creates pass a wave of resizes' deletes and thousands of status writes
///   and Events, and neither of those ever stops: bookkeeping still gets 1
///   in 11 under the heaviest fill, and any class alone gets every gateway.
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
  };

  /// Adds a write behind the others of its class (or of its key).
  void push(write_class urgency, std::string key, T item) {
    ++size_;
    entry e{std::move(item), std::move(key)};
    if (!e.key.empty()) {
      auto [it, first] = keys_.try_emplace(e.key);
      if (!first) { // the key has a write queued or in flight: wait behind it
        it->second.emplace_back(urgency, std::move(e));
        return;
      }
    }
    ready_[index(urgency)].push_back(std::move(e));
  }

  /// The next write to send: the most urgent class that has a write ready
  /// and turns left in this round; a new round when none has. Nothing when
  /// the queue is empty or every queued write waits for its key. The key
  /// stays taken until done(key).
  std::optional<entry> pop() {
    auto c = next_class();
    if (!c) {
      turns_left_ = weights;
      c = next_class();
      if (!c)
        return std::nullopt;
    }
    --turns_left_[*c];
    auto& q = ready_[*c];
    entry e = std::move(q.front());
    q.pop_front();
    --size_;
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
    auto [urgency, next] = std::move(it->second.front());
    it->second.pop_front();
    // It has waited for its key already: it goes first in its class.
    ready_[index(urgency)].push_front(std::move(next));
  }

  /// Writes not yet popped.
  std::size_t size() const { return size_; }

  /// Takes every write not yet popped (shutdown answers them), in no
  /// particular order.
  template <class F>
  void drain(F each) {
    for (auto& q : ready_)
      for (auto& e : q)
        each(std::move(e.item));
    for (auto& [key, waiting] : keys_)
      for (auto& [urgency, e] : waiting)
        each(std::move(e.item));
    ready_ = {};
    keys_.clear();
    size_ = 0;
  }

  /// Writes per round, by class: start_pods, free_gpus, bookkeeping.
  static constexpr std::array<int, 3> weights{8, 2, 1};

private:
  static std::size_t index(write_class c) { return static_cast<std::size_t>(c); }

  std::optional<std::size_t> next_class() const {
    for (std::size_t c = 0; c < ready_.size(); ++c)
      if (!ready_[c].empty() && turns_left_[c] > 0)
        return c;
    return std::nullopt;
  }

  std::array<std::deque<entry>, 3> ready_;
  /// Keys with a write ready or in flight, each with the writes behind it.
  std::map<std::string, std::deque<std::pair<write_class, entry>>> keys_;
  std::array<int, 3> turns_left_ = weights;
  std::size_t size_ = 0;
};

} // namespace lattice::actors
