#pragma once

#include "k8s/client/rest_client.hpp"
#include "k8s/list_watch_types.hpp"
#include "k8s/watch/reflector_options.hpp"
#include "k8s/watch/store.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
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
///
/// An object the decoder refuses never stops the watch: it is skipped, the
/// resourceVersion moves past it, and the undecodable handler hears it once
/// per (uid, resourceVersion), however often a relist shows it again. The
/// store keeps the last version that decoded (an edit that makes an object
/// undecodable is not its deletion: its consumers keep what they had); a
/// DELETED event removes the key whatever the object holds.
template <class T>
class reflector {
public:
  using synced_handler = std::function<void()>;
  using error_handler = std::function<void(const error&)>;
  /// Called with what could be read of an object the decoder refused (its
  /// metadata at least) and the error naming the field.
  using undecodable_handler = std::function<void(const refused_object<T>&)>;

  /// `form` trims what the store keeps of each object (see stored_form).
  reflector(std::shared_ptr<client::rest_client> client, reflector_options options, delta_handler<T> on_delta,
            synced_handler on_synced = {}, error_handler on_error = {}, stored_form<T> form = {})
      : client_(std::move(client)), options_(std::move(options)), on_delta_(std::move(on_delta)),
        on_synced_(std::move(on_synced)), on_error_(std::move(on_error)), store_(std::move(form)),
        last_progress_(std::chrono::steady_clock::now()) {}

  /// Where undecodable objects are reported (same thread and locking rules
  /// as the delta handler). Set before run().
  void on_undecodable(undecodable_handler handler) { on_undecodable_ = std::move(handler); }

  /// Lists and watches until stop(). Call from a dedicated thread.
  void run();

  /// Ends run() soon: wakes a backoff sleep and cancels the open watch. A
  /// LIST page or watch being opened ends at its request timeout, or at
  /// once when the client is cancelled (shutdown does that first). Any
  /// thread; idempotent.
  void stop() {
    std::lock_guard<std::mutex> lock(control_mutex_);
    stopped_ = true;
    if (stream_)
      stream_->cancel();
    wake_.notify_all();
  }

  bool synced() const { return synced_.load(); }
  std::string last_resource_version() const {
    std::lock_guard<std::mutex> lock(store_mutex_);
    return resource_version_;
  }
  reflector_stats stats() const {
    std::lock_guard<std::mutex> lock(store_mutex_);
    return stats_;
  }
  /// Key -> resourceVersion of everything in the store (not from the handler).
  std::vector<std::pair<std::string, std::string>> versions() const {
    std::lock_guard<std::mutex> lock(store_mutex_);
    return store_.versions();
  }
  std::size_t size() const {
    std::lock_guard<std::mutex> lock(store_mutex_);
    return store_.size();
  }
  /// When the watch last moved: a successful list, an event (decodable or
  /// not), a bookmark, or a watch the server ended at its timeoutSeconds.
  /// A reflector that keeps failing (or reopening) does not move it.
  std::chrono::steady_clock::time_point last_progress() const {
    std::lock_guard<std::mutex> lock(store_mutex_);
    return last_progress_;
  }

private:
  enum class watch_end { stopped, resume, backoff, relist };

  bool stopping() {
    std::lock_guard<std::mutex> lock(control_mutex_);
    return stopped_;
  }
  /// Sleeps unless stop() comes first; false when stopping.
  bool sleep_for(std::chrono::milliseconds delay) {
    std::unique_lock<std::mutex> lock(control_mutex_);
    return !wake_.wait_for(lock, delay, [this] { return stopped_; });
  }
  void report(const error& err) {
    {
      std::lock_guard<std::mutex> lock(store_mutex_);
      ++stats_.errors;
    }
    // The first answer after connection failures means the server is back
    // (a 429 or 403 while it starts): the backoff starts over instead of
    // waiting at the length the outage had grown it to.
    answered_after_outage_ = answered_after_outage_ || (err.what == error::kind::http && in_outage_);
    in_outage_ = err.what == error::kind::transport;
    asked_delay_ = err.what == error::kind::http && err.retry_after_seconds > 0
                       ? std::min<std::chrono::milliseconds>(std::chrono::seconds(err.retry_after_seconds),
                                                             options_.max_retry_after)
                       : std::chrono::milliseconds(0);
    if (on_error_)
      on_error_(err);
  }
  /// A 410 Gone is an answer too, and the usual first one from an API server
  /// restarted during the outage (its watch cache starts after our
  /// resourceVersion): the relist waits the backoff started over, not the
  /// length the outage grew it to.
  void note_gone() {
    answered_after_outage_ = answered_after_outage_ || in_outage_;
    in_outage_ = false;
  }
  client::query_params selectors() const {
    client::query_params query;
    if (!options_.label_selector.empty())
      query.emplace_back("labelSelector", options_.label_selector);
    if (!options_.field_selector.empty())
      query.emplace_back("fieldSelector", options_.field_selector);
    return query;
  }

  result<list_page<T>> list_all();
  watch_end watch_once();
  /// Store locked: an ADDED/MODIFIED/DELETED whose object was refused.
  void skip_undecodable(watch_event_type type, refused_object<T> bad);
  /// Store locked: the handler hears `bad` unless it heard this version.
  void report_undecodable(const refused_object<T>& bad);
  /// Store locked: makes the store equal to a full list.
  void replace_store(list_page<T> listed);
  /// Store locked: an object only ever reported as undecodable is gone; the
  /// handler hears it deleted (by what could be read of it).
  void forget_refused(const object_meta& meta);

  std::shared_ptr<client::rest_client> client_;
  reflector_options options_;
  delta_handler<T> on_delta_;
  synced_handler on_synced_;
  error_handler on_error_;
  undecodable_handler on_undecodable_;

  mutable std::mutex control_mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;
  http::line_stream* stream_ = nullptr;

  mutable std::mutex store_mutex_;
  store<T> store_;
  std::string resource_version_;
  reflector_stats stats_;
  /// Key -> metadata of the undecodable version last reported (its uid and
  /// resourceVersion say which version; the rest names it when it goes).
  std::unordered_map<std::string, object_meta> refused_;
  std::chrono::steady_clock::time_point last_progress_;
  std::atomic<bool> synced_{false};
  /// Set by watch_once when the watch was healthy enough to reset the backoff.
  bool healthy_ = false;
  /// The last failure was a connection failure; an answer came after one.
  bool in_outage_ = false;
  bool answered_after_outage_ = false;
  /// What the server's last answer asked for in Retry-After (0: nothing).
  std::chrono::milliseconds asked_delay_{0};
  /// The delay before retrying a failure: what the server asked for, else
  /// the backoff (started over when the server answered after an outage).
  std::chrono::milliseconds retry_delay(http::backoff& delays) {
    if (answered_after_outage_) {
      answered_after_outage_ = false;
      delays.reset();
    }
    if (asked_delay_.count() > 0)
      return std::exchange(asked_delay_, std::chrono::milliseconds(0));
    return delays.next();
  }
};

} // namespace lattice::k8s::watch

#include "k8s/watch/reflector_impl.hpp"
