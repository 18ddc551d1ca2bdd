// The HTTP server's resource limits: a connection cap, and an accept loop
// that backs off instead of spinning when the process has no free file
// descriptor.
#include "observability/http_server.hpp"
#include "test/unit/observability/http_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace lattice::observability {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using test::http_client;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

http_server_options loopback() {
  http_server_options opts;
  opts.address = "127.0.0.1";
  opts.port = 0;
  opts.threads = 1;
  return opts;
}

/// Waits (up to 10 s) for `done`; false if it never happened.
template <typename Predicate>
bool eventually(Predicate done) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done())
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

/// CPU time of the whole process (every thread), in seconds.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int highest_open_fd() {
  int highest = 2;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* entry = readdir(dir))
      if (entry->d_name[0] != '.')
        highest = std::max(highest, std::atoi(entry->d_name));
    closedir(dir);
  }
  return highest;
}

/// Lowers RLIMIT_NOFILE to just above the open descriptors and takes every
/// free one below it, so the next accept() fails with EMFILE; release()
/// (or the destructor) gives them back and restores the limit.
class fd_table_filler {
public:
  fd_table_filler() {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, static_cast<rlim_t>(highest_open_fd()) + 16);
    setrlimit(RLIMIT_NOFILE, &lowered);
    for (int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC); fd >= 0;
         fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC))
      held_.push_back(fd);
  }
  ~fd_table_filler() { release(); }
  fd_table_filler(const fd_table_filler&) = delete;
  fd_table_filler& operator=(const fd_table_filler&) = delete;

  bool exhausted() const {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return errno == EMFILE;
    ::close(fd);
    return false;
  }

  void release() {
    for (int fd : held_)
      ::close(fd);
    held_.clear();
    setrlimit(RLIMIT_NOFILE, &saved_);
  }

private:
  rlimit saved_{};
  std::vector<int> held_;
};

/// GET over a socket that was opened before the descriptors ran out; fails
/// the read after 10 s instead of hanging.
http::response<http::string_body> get_with_timeout(tcp::socket& socket, const std::string& target) {
  timeval timeout{10, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "localhost");
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return res;
}

TEST(http_server_limits, out_of_descriptors_backs_off_keeps_serving_and_recovers) {
  auto opts = loopback();
  std::atomic<int> pauses_seen{0};
  opts.observer = [&](http_server_event e) {
    if (e == http_server_event::accept_paused)
      ++pauses_seen;
  };
  http_server server(opts);
  server.route("/readyz", [](const http_request&) { return http_response{200, "text/plain", "ok"}; });
  server.start();
  http_client kept_alive(server.port());
  ASSERT_EQ(kept_alive.get("/readyz").body(), "ok");
  asio::io_context ioc;
  tcp::socket latecomer(ioc);
  latecomer.open(tcp::v4()); // its descriptor exists before the table fills

  fd_table_filler filler;
  ASSERT_TRUE(filler.exhausted());
  // The kernel completes the handshake into the backlog; accept() gets EMFILE.
  latecomer.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  ASSERT_TRUE(eventually([&] { return server.stats().accept_pauses > 0; }));

  // A spinning accept loop burns a whole core; a backing-off one sleeps.
  double cpu_before = process_cpu_seconds();
  auto pauses_before = server.stats().accept_pauses;
  std::this_thread::sleep_for(1500ms);
  double cpu_used = process_cpu_seconds() - cpu_before;
  auto pauses_during = server.stats().accept_pauses - pauses_before;
  EXPECT_LT(cpu_used, 0.3) << "the accept loop spins while out of file descriptors";
  EXPECT_LE(pauses_during, 10u) << "the accept retries are not backing off";
  EXPECT_EQ(pauses_seen.load(), static_cast<int>(server.stats().accept_pauses));

  // The open connection is still served.
  EXPECT_EQ(kept_alive.get("/readyz").body(), "ok");

  // Descriptors free again: the queued connection is accepted and answered.
  filler.release();
  auto res = get_with_timeout(latecomer, "/readyz");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "ok");
  http_client fresh(server.port());
  EXPECT_EQ(fresh.get("/readyz").body(), "ok");
}

TEST(http_server_limits, connections_over_the_limit_get_503_and_are_closed) {
  auto opts = loopback();
  opts.max_connections = 2;
  std::atomic<int> rejections_seen{0};
  opts.observer = [&](http_server_event e) {
    if (e == http_server_event::connection_rejected)
      ++rejections_seen;
  };
  http_server server(opts);
  server.route("/x", [](const http_request&) { return http_response{200, "text/plain", "x"}; });
  server.start();
  http_client first(server.port());
  auto second = std::make_unique<http_client>(server.port());
  ASSERT_EQ(first.get("/x").body(), "x");
  ASSERT_EQ(second->get("/x").body(), "x");
  EXPECT_EQ(server.stats().open_connections, 2u);

  http_client third(server.port());
  http::response<http::string_body> refused;
  boost::beast::flat_buffer buffer;
  http::read(third.stream(), buffer, refused);
  EXPECT_EQ(refused.result_int(), 503u);
  EXPECT_EQ(refused.body(), "too many connections\n");
  char byte;
  boost::system::error_code ec;
  third.stream().socket().read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof) << "the refused connection must be closed";
  EXPECT_EQ(server.stats().connections_rejected, 1u);
  EXPECT_EQ(rejections_seen.load(), 1);
  EXPECT_EQ(server.stats().open_connections, 2u);

  // The connections within the limit are unaffected; once one ends, its
  // slot serves a new client.
  EXPECT_EQ(first.get("/x").body(), "x");
  second.reset();
  ASSERT_TRUE(eventually([&] { return server.stats().open_connections < 2; }));
  http_client fourth(server.port());
  EXPECT_EQ(fourth.get("/x").body(), "x");
}

TEST(http_server_limits, idle_connections_holding_every_slot_are_timed_out) {
  auto opts = loopback();
  opts.max_connections = 1;
  opts.read_timeout = 200ms;
  http_server server(opts);
  server.route("/x", [](const http_request&) { return http_response{200, "text/plain", "x"}; });
  server.start();
  // A slowloris client takes the only slot with half a request line.
  http_client slow(server.port());
  asio::write(slow.stream().socket(), asio::buffer(std::string("GET /x HT")));
  ASSERT_TRUE(eventually([&] { return server.stats().open_connections == 1; }));
  // The read timeout frees the slot; a client is then served.
  ASSERT_TRUE(eventually([&] { return server.stats().open_connections == 0; }));
  http_client next(server.port());
  EXPECT_EQ(next.get("/x").body(), "x");
}

} // namespace
} // namespace lattice::observability
