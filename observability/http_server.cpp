#include "observability/http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace lattice::observability {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

/// Exact paths, and prefixes ("/debug/jobs/") for paths that carry names.
struct route_table {
  std::map<std::string, http_handler> exact;
  std::map<std::string, http_handler> prefixes;

  /// The exact route, else the longest prefix of `path`; null when none.
  const http_handler* find(const std::string& path) const {
    if (auto it = exact.find(path); it != exact.end())
      return &it->second;
    const http_handler* best = nullptr;
    std::size_t best_length = 0;
    for (const auto& [prefix, handler] : prefixes)
      if (path.compare(0, prefix.size(), prefix) == 0 && prefix.size() >= best_length) {
        best = &handler;
        best_length = prefix.size();
      }
    return best;
  }
};

http_response plain(unsigned status, std::string body) {
  return http_response{status, "text/plain; charset=utf-8", std::move(body)};
}

/// Dispatches one parsed request to its route; never throws.
http_response dispatch(const route_table& routes, const bhttp::request<bhttp::string_body>& req) {
  std::string target(req.target());
  http_request parsed;
  parsed.method = std::string(req.method_string());
  auto question = target.find('?');
  parsed.path = target.substr(0, question);
  if (question != std::string::npos)
    parsed.query = target.substr(question + 1);
  parsed.authorization = std::string(req[bhttp::field::authorization]);
  const http_handler* handler = routes.find(parsed.path);
  if (!handler)
    return plain(404, "not found: " + parsed.path + "\n");
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head)
    return plain(405, "method not allowed: " + parsed.method + "\n");
  try {
    return (*handler)(parsed);
  } catch (const std::exception& e) {
    return plain(500, std::string("internal error: ") + e.what() + "\n");
  } catch (...) {
    return plain(500, "internal error\n");
  }
}

/// Holds one of the server's connection slots for a session's lifetime.
class connection_slot {
public:
  explicit connection_slot(std::atomic<std::size_t>& open) : open_(open) { ++open_; }
  ~connection_slot() { --open_; }
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

private:
  std::atomic<std::size_t>& open_;
};

/// What stop() needs of a session, whatever its stream.
class connection {
public:
  virtual ~connection() = default;
  /// Closes the socket so every pending operation completes with an error.
  /// Only called while no thread runs the io_context (http_server::stop).
  virtual void abort() = 0;
};

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

/// One connection: (a TLS handshake,) read a request, answer it, repeat
/// while kept alive. Stream: beast::tcp_stream or tls_stream.
template <class Stream>
class session : public connection, public std::enable_shared_from_this<session<Stream>> {
public:
  session(Stream stream, const route_table& routes, const http_server_options& options,
          std::atomic<std::size_t>& open_connections)
      : slot_(open_connections), stream_(std::move(stream)), routes_(routes), options_(options) {}

  void run() {
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      beast::get_lowest_layer(stream_).expires_after(options_.read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec)
                                  return self->close();
                                self->read_next();
                              });
    } else {
      read_next();
    }
  }

  void abort() override { close(); }

private:
  void read_next() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    parser_->body_limit(options_.max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(options_.read_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout
        || ec == asio::error::operation_aborted)
      return close();
    if (ec == bhttp::error::body_limit)
      return reply(plain(413, "request body too large\n"), bhttp::request<bhttp::string_body>{}, false);
    if (ec == bhttp::error::header_limit)
      return reply(plain(431, "request header fields too large\n"), bhttp::request<bhttp::string_body>{},
                   false);
    if (ec)
      return reply(plain(400, "bad request: " + ec.message() + "\n"), bhttp::request<bhttp::string_body>{},
                   false);
    auto req = parser_->release();
    ++served_;
    bool keep_alive = req.keep_alive() && served_ < options_.max_requests_per_connection;
    reply(dispatch(routes_, req), req, keep_alive);
  }

  void reply(http_response answer, const bhttp::request<bhttp::string_body>& req, bool keep_alive) {
    response_.emplace();
    response_->version(req.version() == 0 ? 11 : req.version());
    response_->result(answer.status);
    response_->set(bhttp::field::server, "lattice-operator");
    response_->set(bhttp::field::content_type, answer.content_type);
    response_->keep_alive(keep_alive);
    bool head = req.method() == bhttp::verb::head;
    response_->body() = std::move(answer.body);
    response_->prepare_payload();
    if (head)
      response_->body().clear();
    beast::get_lowest_layer(stream_).expires_after(options_.write_timeout);
    bhttp::async_write(stream_, *response_,
                       [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                         if (ec || !keep_alive)
                           return self->close();
                         self->read_next();
                       });
  }

  void close() {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
  }

  connection_slot slot_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::string_body>> response_;
  const route_table& routes_;
  const http_server_options& options_;
  unsigned served_ = 0;
};

/// The whole answer to a connection over the limit: written without waiting
/// (a fresh socket's send buffer is empty), then the socket is closed.
constexpr const char* too_many_connections = "HTTP/1.1 503 Service Unavailable\r\n"
                                             "Server: lattice-operator\r\n"
                                             "Content-Type: text/plain; charset=utf-8\r\n"
                                             "Content-Length: 21\r\n"
                                             "Connection: close\r\n\r\n"
                                             "too many connections\n";

} // namespace

struct http_server::impl {
  explicit impl(http_server_options opts) : options(std::move(opts)) {}

  // The accept loop: one accept in flight at a time, so its handlers (and
  // the state below them) never run concurrently.
  void accept_next() {
    acceptor->async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open())
        return;
      if (ec == asio::error::connection_aborted) // the client gave up while queued
        return accept_next();
      if (ec)
        return pause_accepting(ec);
      resume_after_pause();
      if (open_connections.load() >= options.max_connections)
        reject(std::move(socket));
      else
        serve(std::move(socket));
      accept_next();
    });
  }

  void serve(tcp::socket socket) {
    if (rejecting) {
      spdlog::info("{} server: below the connection limit again after {} rejected connections", options.name,
                   rejected_in_episode);
      rejecting = false;
    }
    if (options.tls) {
      auto s = std::make_shared<session<tls_stream>>(tls_stream(std::move(socket), *options.tls), routes,
                                                     options, open_connections);
      track(s);
      s->run();
    } else {
      auto s = std::make_shared<session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), routes,
                                                            options, open_connections);
      track(s);
      s->run();
    }
  }

  /// Over the connection limit: a 503 without waiting, then close.
  void reject(tcp::socket socket) {
    ++connections_rejected;
    notify(http_server_event::connection_rejected);
    if (!rejecting) {
      spdlog::warn("{} server: {} connections open, its limit; answering new ones 503 and closing them "
                   "until some end",
                   options.name, options.max_connections);
      rejecting = true;
      rejected_in_episode = 0;
    }
    ++rejected_in_episode;
    beast::error_code ignored;
    socket.non_blocking(true, ignored);
    if (!options.tls) // no handshake for a connection refused at once: just closed
      socket.write_some(asio::buffer(std::string_view(too_many_connections)), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  /// accept() failed (EMFILE, ENFILE, ENOBUFS, ...): retrying at once would
  /// fail again at once and spin, since the pending connection keeps the
  /// listener readable. Waits, doubling up to accept_backoff_max; the open
  /// connections are served meanwhile, the new ones wait in the backlog.
  void pause_accepting(const beast::error_code& ec) {
    ++accept_pauses;
    notify(http_server_event::accept_paused);
    if (failed_accepts++ == 0) {
      spdlog::warn("{} server: cannot accept connections: {}; retrying up to {} ms apart while {} open "
                   "connections are served",
                   options.name, ec.message(), options.accept_backoff_max.count(), open_connections.load());
      accept_backoff = options.accept_backoff_initial;
    } else {
      accept_backoff = std::min(accept_backoff * 2, options.accept_backoff_max);
    }
    accept_timer->expires_after(accept_backoff);
    accept_timer->async_wait([this](beast::error_code wait_ec) {
      if (wait_ec || !acceptor->is_open())
        return;
      accept_next();
    });
  }

  void resume_after_pause() {
    if (failed_accepts == 0)
      return;
    spdlog::info("{} server: accepting connections again after {} failed accepts", options.name,
                 failed_accepts);
    failed_accepts = 0;
  }

  void notify(http_server_event event) const {
    if (options.observer)
      options.observer(event);
  }

  /// Remembers live sessions so stop() can close them; prunes dead ones.
  void track(const std::shared_ptr<connection>& s) {
    std::lock_guard<std::mutex> guard(sessions_mutex);
    sessions.erase(
        std::remove_if(sessions.begin(), sessions.end(), [](const auto& w) { return w.expired(); }),
        sessions.end());
    sessions.push_back(s);
  }

  /// With the threads joined: closes every connection and drains the
  /// handlers so their sessions are freed now, not when the server dies.
  void close_sessions() {
    {
      std::lock_guard<std::mutex> guard(sessions_mutex);
      for (auto& w : sessions)
        if (auto s = w.lock())
          s->abort();
      sessions.clear();
    }
    ioc.restart();
    ioc.run();
  }

  // Declared before ioc: pending handlers (sessions) die with ioc first.
  http_server_options options;
  route_table routes;
  std::vector<std::thread> threads;
  std::atomic<std::uint16_t> bound_port{0};
  std::atomic<bool> running{false};
  // Sessions hold a slot of open_connections: it outlives them (declared
  // before ioc, whose pending handlers own the last sessions).
  std::atomic<std::size_t> open_connections{0};
  std::atomic<std::uint64_t> connections_rejected{0};
  std::atomic<std::uint64_t> accept_pauses{0};
  // Accept loop state, touched only by its handlers.
  unsigned failed_accepts = 0;
  std::chrono::milliseconds accept_backoff{0};
  bool rejecting = false;
  std::uint64_t rejected_in_episode = 0;
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_timer;
  std::mutex sessions_mutex;
  std::vector<std::weak_ptr<connection>> sessions;
};

http_server::http_server(http_server_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

http_server::~http_server() {
  stop();
}

void http_server::route(const std::string& path, http_handler handler) {
  if (impl_->running)
    throw std::logic_error("http_server: route " + path + " registered after start()");
  impl_->routes.exact[path] = std::move(handler);
}

void http_server::route_prefix(const std::string& prefix, http_handler handler) {
  if (impl_->running)
    throw std::logic_error("http_server: route prefix " + prefix + " registered after start()");
  impl_->routes.prefixes[prefix] = std::move(handler);
}

void http_server::start() {
  if (impl_->running)
    return;
  const auto& opts = impl_->options;
  auto where = opts.address + ":" + std::to_string(opts.port);
  beast::error_code ec;
  auto address = asio::ip::make_address(opts.address, ec);
  if (ec)
    throw std::runtime_error("http_server: invalid listen address " + where + ": " + ec.message());
  tcp::endpoint endpoint(address, opts.port);
  impl_->acceptor.emplace(impl_->ioc);
  auto fail = [&](const char* step) {
    impl_->acceptor.reset();
    throw std::runtime_error(std::string("http_server: cannot ") + step + " " + where + ": " + ec.message());
  };
  if (impl_->acceptor->open(endpoint.protocol(), ec); ec)
    fail("open");
  if (impl_->acceptor->set_option(asio::socket_base::reuse_address(true), ec); ec)
    fail("configure");
  if (impl_->acceptor->bind(endpoint, ec); ec)
    fail("bind");
  if (impl_->acceptor->listen(asio::socket_base::max_listen_connections, ec); ec)
    fail("listen on");
  impl_->bound_port = impl_->acceptor->local_endpoint().port();
  impl_->accept_timer.emplace(impl_->ioc);
  impl_->failed_accepts = 0;
  impl_->rejecting = false;
  impl_->ioc.restart();
  impl_->accept_next();
  impl_->running = true;
  auto count = opts.threads == 0 ? 1 : opts.threads;
  for (std::size_t i = 0; i < count; ++i)
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

void http_server::stop() {
  if (!impl_->running.exchange(false))
    return;
  asio::post(impl_->ioc, [this] {
    beast::error_code ignored;
    impl_->acceptor->close(ignored);
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
  beast::error_code ignored;
  impl_->acceptor->close(ignored);
  impl_->accept_timer->cancel(); // or close_sessions() would wait for a paused accept loop
  impl_->close_sessions();
  impl_->accept_timer.reset();
  impl_->acceptor.reset();
  impl_->bound_port = 0;
}

std::uint16_t http_server::port() const {
  return impl_->bound_port;
}

bool http_server::running() const {
  return impl_->running;
}

http_server_stats http_server::stats() const {
  return http_server_stats{impl_->open_connections.load(), impl_->connections_rejected.load(),
                           impl_->accept_pauses.load()};
}

} // namespace lattice::observability
