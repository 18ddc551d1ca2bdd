#pragma once

#include "k8s/http/transport.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

namespace lattice::k8s::test {

/// Scripted watch stream: hands out its lines, then ends cleanly, fails, or
/// blocks until cancelled (like a quiet but healthy watch).
struct scripted_stream {
  enum class ending { clean, transport_error, block_until_cancelled };
  std::vector<std::string> lines;
  ending end = ending::clean;
  /// Called before the first line is handed out (e.g. to stop the reflector).
  std::function<void()> on_open;
};

/// The I/O seam faked: answers round trips from a queue of responses and
/// watches from a queue of scripted streams, recording every request.
class fake_transport final : public http::transport {
public:
  using answer = result<http::response>;
  /// For each request, in order; when empty, `fallback` answers.
  std::deque<answer> answers;
  std::function<answer(const http::request&)> fallback;
  /// Watches; when empty, open_stream blocks until `release()` (so a test
  /// can stop the reflector without the fake spinning).
  std::deque<result<scripted_stream>> streams;
  /// Non-2xx answers to watch requests, consumed before `streams`.
  std::deque<http::response> watch_rejections;

  std::vector<http::request> requests;
  std::vector<http::request> watch_requests;
  int invalidations = 0;
  int cancels = 0;

  result<http::response> round_trip(const http::request& req, std::chrono::milliseconds) override {
    std::lock_guard<std::mutex> lock(mutex_);
    requests.push_back(req);
    if (!answers.empty()) {
      auto a = std::move(answers.front());
      answers.pop_front();
      return a;
    }
    if (fallback)
      return fallback(req);
    error e;
    e.message = "fake transport: no answer scripted for " + req.method + " " + req.target;
    return e;
  }

  result<stream_or_response> open_stream(const http::request& req, std::chrono::milliseconds,
                                         std::chrono::milliseconds) override;

  void invalidate_credentials() override { ++invalidations; }
  /// Only counted (a fallback may call it while the fake holds its lock).
  void cancel() override { ++cancels; }

  /// Wakes every open_stream waiting for a script, failing it.
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    wake_.notify_all();
  }

  /// Convenience answers.
  static answer ok(std::string body, int status = 200) {
    http::response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static answer status_answer(int status, std::string reason, std::string retry_after = {}) {
    http::response r;
    r.status = status;
    r.retry_after = std::move(retry_after);
    r.body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"scripted )" + reason
             + R"(","reason":")" + reason + R"(","code":)" + std::to_string(status) + "}";
    return r;
  }
  static answer transport_failure() {
    error e;
    e.what = error::kind::transport;
    e.message = "connection refused (scripted)";
    return e;
  }

private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool released_ = false;
};

} // namespace lattice::k8s::test
