#include "test/unit/k8s/leader/fake_lease_api.hpp"

#include "k8s/client/kinds.hpp"
#include "k8s/client/resource.hpp"
#include "k8s/client/rest_client.hpp"
#include "k8s/codec/decoders.hpp"
#include "k8s/codec/encoders.hpp"

namespace lattice::k8s::test {

namespace {

http::response status_response(int code, const std::string& reason) {
  http::response r;
  r.status = code;
  r.body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"fake )" + reason
           + R"(","reason":")" + reason + R"(","code":)" + std::to_string(code) + "}";
  return r;
}

http::response object_response(const lease& l, int code) {
  http::response r;
  r.status = code;
  r.body = encode_lease(l);
  return r;
}

} // namespace

result<http::response> fake_lease_api::round_trip(const http::request& req, std::chrono::milliseconds) {
  std::function<void(fake_lease_api&)> hook;
  if (req.method != "GET") {
    std::lock_guard<std::mutex> lock(mutex_);
    hook = std::move(before_next_write);
    before_next_write = nullptr;
  }
  if (hook)
    hook(*this);
  std::lock_guard<std::mutex> lock(mutex_);
  if (down)
    return status_response(500, "InternalError");
  if (req.method == "GET") {
    if (!stored)
      return status_response(404, "NotFound");
    return object_response(*stored, 200);
  }
  return apply_write(req);
}

http::response fake_lease_api::apply_write(const http::request& req) {
  auto body = decode_lease(req.body);
  if (!body)
    return status_response(400, "BadRequest");
  lease l = std::move(body.value());
  if (req.method == "POST") {
    if (stored)
      return status_response(409, "AlreadyExists");
    if (!l.meta.resource_version.empty())
      return status_response(400, "BadRequest");
    l.meta.uid = "uid-" + std::to_string(next_version_);
  } else if (req.method == "PUT") {
    if (!stored)
      return status_response(404, "NotFound");
    if (l.meta.resource_version != stored->meta.resource_version)
      return status_response(409, "Conflict");
    l.meta.uid = stored->meta.uid;
  } else {
    return status_response(405, "MethodNotAllowed");
  }
  l.meta.resource_version = std::to_string(next_version_++);
  ++writes;
  stored = l;
  return object_response(l, req.method == "POST" ? 201 : 200);
}

result<http::transport::stream_or_response>
fake_lease_api::open_stream(const http::request&, std::chrono::milliseconds, std::chrono::milliseconds) {
  error e;
  e.message = "fake lease api: no watches";
  return e;
}

void fake_lease_api::put(lease l) {
  std::lock_guard<std::mutex> lock(mutex_);
  l.meta.resource_version = std::to_string(next_version_++);
  stored = std::move(l);
}

client::object_client<lease> lease_client(std::shared_ptr<fake_lease_api> api) {
  client::rest_options options;
  options.max_retries = 0;
  auto rest = std::make_shared<client::rest_client>(std::move(api),
                                                    std::make_shared<http::rate_limiter>(0, 1), options);
  return client::lease_client(rest);
}

} // namespace lattice::k8s::test
