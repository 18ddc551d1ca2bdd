#include "test/unit/k8s/transport/fake_transport.hpp"

#include <atomic>

namespace lattice::k8s::test {

namespace {

class fake_line_stream final : public http::line_stream {
public:
  explicit fake_line_stream(scripted_stream script) : script_(std::move(script)) {}

  result<std::optional<std::string>> next_line() override {
    if (!opened_ && script_.on_open) {
      opened_ = true;
      script_.on_open();
    }
    opened_ = true;
    if (next_ < script_.lines.size())
      return std::optional<std::string>(script_.lines[next_++]);
    switch (script_.end) {
    case scripted_stream::ending::clean:
      return std::optional<std::string>();
    case scripted_stream::ending::transport_error: {
      error e;
      e.message = "connection reset (scripted)";
      return e;
    }
    case scripted_stream::ending::block_until_cancelled: {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return cancelled_; });
      error e;
      e.what = error::kind::cancelled;
      e.message = "cancelled";
      return e;
    }
    }
    return std::optional<std::string>();
  }

  void cancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    wake_.notify_all();
  }

private:
  scripted_stream script_;
  std::size_t next_ = 0;
  bool opened_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool cancelled_ = false;
};

} // namespace

result<http::transport::stream_or_response>
fake_transport::open_stream(const http::request& req, std::chrono::milliseconds, std::chrono::milliseconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  watch_requests.push_back(req);
  if (!watch_rejections.empty()) {
    stream_or_response out;
    out.rejected = std::move(watch_rejections.front());
    watch_rejections.pop_front();
    return out;
  }
  wake_.wait(lock, [this] { return !streams.empty() || released_; });
  if (streams.empty()) {
    error e;
    e.message = "fake transport released";
    return e;
  }
  auto script = std::move(streams.front());
  streams.pop_front();
  if (!script)
    return script.err();
  stream_or_response out;
  out.stream = std::make_unique<fake_line_stream>(std::move(script.value()));
  return out;
}

} // namespace lattice::k8s::test
