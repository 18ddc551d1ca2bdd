#include "observability/probes.hpp"
#include "test/unit/observability/http_client.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace lattice::observability {
namespace {

struct ready_case {
  const char* name;
  readiness state;
  unsigned status;
  const char* text;
};

TEST(probes, readiness_table) {
  const ready_case cases[] = {
      {"all synced, leader",
       {{{"trainingjobs", true}, {"pods", true}}, leadership::leader},
       200,
       "ok: leader\n"},
      {"all synced, standby", {{{"trainingjobs", true}}, leadership::standby}, 200, "ok: standby\n"},
      {"one watch missing",
       {{{"trainingjobs", false}, {"pods", true}}, leadership::leader},
       503,
       "watch trainingjobs not synced\n"},
      {"two missing and no role",
       {{{"trainingjobs", false}, {"nodes", false}}, leadership::unknown},
       503,
       "watch trainingjobs not synced\nwatch nodes not synced\n"
       "leader election undecided (neither leader nor standby)\n"},
      {"a watch idle within its window",
       {{{"pods", true, 300, 360}}, leadership::leader},
       200,
       "ok: leader\n"},
      {"a watch stuck past its window",
       {{{"trainingjobs", true, 400, 360}, {"pods", true, 5, 360}}, leadership::leader},
       503,
       "watch trainingjobs made no progress for 400s (window 360s)\n"},
  };
  for (const auto& c : cases) {
    auto res = to_response(check_ready(c.state));
    EXPECT_EQ(res.status, c.status) << c.name;
    EXPECT_EQ(res.body, c.text) << c.name;
  }
}

TEST(probes, liveness) {
  EXPECT_EQ(to_response(check_alive(true)).status, 200u);
  auto down = to_response(check_alive(false));
  EXPECT_EQ(down.status, 503u);
  EXPECT_EQ(down.body, "actor system not responding\n");
}

TEST(probes, served_over_http_with_live_callbacks) {
  http_server_options opts;
  opts.address = "127.0.0.1";
  http_server server(opts);
  bool alive = true;
  readiness state{{{"trainingjobs", false}}, leadership::standby};
  add_probe_routes(
      server, [&] { return alive; }, [&] { return state; });
  server.start();
  test::http_client client(server.port());
  EXPECT_EQ(client.get("/healthz").result_int(), 200u);
  auto not_ready = client.get("/readyz");
  EXPECT_EQ(not_ready.result_int(), 503u);
  EXPECT_EQ(not_ready.body(), "watch trainingjobs not synced\n");
  state.watches[0].synced = true;
  EXPECT_EQ(client.get("/readyz").result_int(), 200u);
  alive = false;
  EXPECT_EQ(client.get("/healthz").result_int(), 503u);
}

TEST(probes, throwing_callback_fails_the_probe) {
  auto res = readyz_route([]() -> readiness { throw std::runtime_error("no snapshot"); })(http_request{});
  EXPECT_EQ(res.status, 503u);
  EXPECT_EQ(res.body, "readiness check failed: no snapshot\n");
}

} // namespace
} // namespace lattice::observability
