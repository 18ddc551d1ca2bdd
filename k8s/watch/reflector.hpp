#pragma once

#include "k8s/client/rest_client.hpp"
#include "k8s/list_watch_types.hpp"
#include "k8s/watch/reflector_options.hpp"
#include "k8s/watch/store.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace lattice::k8s::watch {

/// List+watch for one kind with client-go's reflector guarantees:
///
///   [list (paged)] --ok--> [watch from rv] --event--> store -> handler
///        ^    |fail              |  timeout/EOF: resume from last rv (bookmarks move it)
///        |    v                  |  transport error: backoff, resume from last rv
///        +--(backoff)            |  410 Gone (HTTP or ERROR event): relist, deliver the diff
///        +-----------------------+
///
/// The handler sees every change exactly once, on the thread that called
/// run(); it must not call back into the reflector (the store is locked
/// while it runs). T is a compact struct with `object_meta meta`, decoded by the
/// codec's decode_list / decode_watch_event overloads for T.
template <class T>
class reflector {
public:
  using synced_handler = std::function<void()>;
  using error_handler = std::function<void(const error&)>;

  reflector(std::shared_ptr<client::rest_client> client, reflector_options options, delta_handler<T> on_delta,
            synced_handler on_synced = {}, error_handler on_error = {})
      : client_member_(std::move(client)), options_member_(std::move(options)),
        on_delta_member_(std::move(on_delta)), on_synced_member_(std::move(on_synced)),
        on_error_member_(std::move(on_error)) {}

  /// Lists and watches until stop(). Call from a dedicated thread.
  void run();

  /// Ends run() soon: wakes a backoff sleep and cancels the open watch.
  /// Any thread; idempotent.
  void stop() {
    std::lock_guard<std::mutex> lock(control_mutex_member_);
    stopped_member_ = true;
    if (stream_member_)
      stream_member_->cancel();
    wake_member_.notify_all();
  }

  bool synced() const { return synced_member_.load(); }
  std::string last_resource_version() const {
    std::lock_guard<std::mutex> lock(store_mutex_member_);
    return resource_version_member_;
  }
  reflector_stats stats() const {
    std::lock_guard<std::mutex> lock(store_mutex_member_);
    return stats_member_;
  }
  /// Key -> resourceVersion of everything in the store (not from the handler).
  std::vector<std::pair<std::string, std::string>> versions() const {
    std::lock_guard<std::mutex> lock(store_mutex_member_);
    return store_member_.versions();
  }
  std::size_t size() const {
    std::lock_guard<std::mutex> lock(store_mutex_member_);
    return store_member_.size();
  }

private:
  enum class watch_end { stopped, resume, backoff, relist };

  bool stopping() {
    std::lock_guard<std::mutex> lock(control_mutex_member_);
    return stopped_member_;
  }
  /// Sleeps unless stop() comes first; false when stopping.
  bool sleep_for(std::chrono::milliseconds delay) {
    std::unique_lock<std::mutex> lock(control_mutex_member_);
    return !wake_member_.wait_for(lock, delay, [this] { return stopped_member_; });
  }
  void report(const error& err) {
    {
      std::lock_guard<std::mutex> lock(store_mutex_member_);
      ++stats_member_.errors;
    }
    if (on_error_member_)
      on_error_member_(err);
  }
  client::query_params selectors() const {
    client::query_params query;
    if (!options_member_.label_selector.empty())
      query.emplace_back("labelSelector", options_member_.label_selector);
    if (!options_member_.field_selector.empty())
      query.emplace_back("fieldSelector", options_member_.field_selector);
    return query;
  }

  result<list_page<T>> list_all();
  watch_end watch_once();

  std::shared_ptr<client::rest_client> client_member_;
  reflector_options options_member_;
  delta_handler<T> on_delta_member_;
  synced_handler on_synced_member_;
  error_handler on_error_member_;

  mutable std::mutex control_mutex_member_;
  std::condition_variable wake_member_;
  bool stopped_member_ = false;
  http::line_stream* stream_member_ = nullptr;

  mutable std::mutex store_mutex_member_;
  store<T> store_member_;
  std::string resource_version_member_;
  reflector_stats stats_member_;
  std::atomic<bool> synced_member_{false};
  /// Set by watch_once when the watch was healthy enough to reset the backoff.
  bool healthy_member_ = false;
};

} // namespace lattice::k8s::watch

#include "k8s/watch/reflector_impl.hpp"
