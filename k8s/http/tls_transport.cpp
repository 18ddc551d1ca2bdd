#include "k8s/http/tls_transport.hpp"

#include "k8s/http/line_splitter.hpp"
#include "k8s/http/tls_context.hpp"

namespace lattice::k8s::http {

namespace {

using clock_type = tls_connection::clock_type;

/// A watch body read line by line from its own connection.
class tls_line_stream final : public line_stream {
public:
  tls_line_stream(std::unique_ptr<tls_connection> conn, std::chrono::milliseconds idle)
      : conn_(std::move(conn)), idle_(idle) {}

  result<std::optional<std::string>> next_line() override {
    while (true) {
      if (auto line = splitter_.next())
        return std::optional<std::string>(std::move(*line));
      if (ended_)
        return std::optional<std::string>();
      auto chunk = conn_->read_body_some(idle_, cancelled_);
      if (!chunk)
        return chunk.err();
      if (!chunk->has_value())
        ended_ = true;
      else
        splitter_.feed(**chunk);
    }
  }

  void cancel() override { cancelled_.store(true); }

private:
  std::unique_ptr<tls_connection> conn_;
  std::chrono::milliseconds idle_;
  std::atomic<bool> cancelled_{false};
  line_splitter splitter_;
  bool ended_ = false;
};

error cancelled_error(const std::string& what) {
  error e;
  e.what = error::kind::cancelled;
  e.message = what + ": cancelled";
  return e;
}

} // namespace

result<std::shared_ptr<tls_transport>> tls_transport::create(auth::cluster_config config,
                                                             std::size_t max_idle) {
  auto tls = make_tls_context(config);
  if (!tls)
    return tls.err();
  return std::shared_ptr<tls_transport>(
      new tls_transport(std::move(config), std::move(tls.value()), max_idle));
}

tls_transport::tls_transport(auth::cluster_config config, std::shared_ptr<boost::asio::ssl::context> tls,
                             std::size_t max_idle)
    : config_(std::make_unique<auth::cluster_config>(std::move(config))), tls_(std::move(tls)),
      max_idle_(max_idle) {}

std::string tls_transport::token() const {
  return config_->token ? config_->token->token() : std::string();
}

void tls_transport::invalidate_credentials() {
  if (config_->token)
    config_->token->invalidate();
}

void tls_transport::cancel() {
  cancelled_.store(true);
}

std::size_t tls_transport::connections_opened() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return opened_;
}

std::unique_ptr<tls_connection> tls_transport::take_idle() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.empty())
    return nullptr;
  auto conn = std::move(idle_.back());
  idle_.pop_back();
  return conn;
}

void tls_transport::give_back(std::unique_ptr<tls_connection> conn) {
  if (!conn->is_open())
    return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < max_idle_)
    idle_.push_back(std::move(conn));
}

result<std::unique_ptr<tls_connection>> tls_transport::connect_new(clock_type::time_point deadline) {
  if (cancelled_.load())
    return cancelled_error("connecting to " + config_->host + ":" + config_->port);
  auto conn = std::make_unique<tls_connection>(*config_, tls_, cancelled_);
  if (auto st = conn->connect(deadline); !st)
    return st.err();
  std::lock_guard<std::mutex> lock(mutex_);
  ++opened_;
  return conn;
}

result<response> tls_transport::round_trip(const request& req, std::chrono::milliseconds timeout) {
  if (cancelled_.load())
    return cancelled_error(req.method + " " + req.target);
  const auto deadline = clock_type::now() + timeout;
  const auto bearer = token();
  // A pooled connection may have been closed by the server while idle; if it
  // fails before any byte of the answer arrived, the request was not
  // processed and is sent once more on a fresh connection.
  if (auto conn = take_idle()) {
    if (auto st = conn->write(req, bearer, deadline)) {
      bool got_bytes = false;
      auto res = conn->read(deadline, got_bytes);
      if (res) {
        give_back(std::move(conn));
        return res;
      }
      if (got_bytes || clock_type::now() >= deadline || cancelled_.load())
        return res;
    }
  }
  auto fresh = connect_new(deadline);
  if (!fresh)
    return fresh.err();
  auto conn = std::move(fresh.value());
  if (auto st = conn->write(req, bearer, deadline); !st)
    return st.err();
  bool got_bytes = false;
  auto res = conn->read(deadline, got_bytes);
  if (res)
    give_back(std::move(conn));
  return res;
}

result<transport::stream_or_response> tls_transport::open_stream(const request& req,
                                                                 std::chrono::milliseconds connect_timeout,
                                                                 std::chrono::milliseconds idle_timeout) {
  const auto deadline = clock_type::now() + connect_timeout;
  auto fresh = connect_new(deadline);
  if (!fresh)
    return fresh.err();
  auto conn = std::move(fresh.value());
  if (auto st = conn->write(req, token(), deadline); !st)
    return st.err();
  auto head = conn->read_header(deadline);
  if (!head)
    return head.err();
  stream_or_response out;
  if (head->status >= 200 && head->status < 300) {
    out.stream = std::make_unique<tls_line_stream>(std::move(conn), idle_timeout);
    return out;
  }
  // An error answer: collect its (small) Status body for the caller.
  out.rejected = std::move(head.value());
  std::atomic<bool> never{false};
  while (out.rejected.body.size() < (1u << 20)) {
    auto chunk = conn->read_body_some(connect_timeout, never);
    if (!chunk || !chunk->has_value())
      break;
    out.rejected.body += **chunk;
  }
  return out;
}

} // namespace lattice::k8s::http
