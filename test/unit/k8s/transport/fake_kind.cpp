#include "test/unit/k8s/transport/fake_kind.hpp"

#include <boost/json.hpp>

namespace lattice::k8s::test {

namespace json = boost::json;

namespace {

std::string str(const json::object& obj, const char* key) {
  const auto* v = obj.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

object_meta meta_of(const json::value& value) {
  object_meta m;
  if (!value.is_object())
    return m;
  if (const auto* meta = value.get_object().if_contains("metadata"); meta && meta->is_object()) {
    m.name = str(meta->get_object(), "name");
    m.namespace_ = str(meta->get_object(), "namespace");
    m.uid = str(meta->get_object(), "uid");
    m.resource_version = str(meta->get_object(), "resourceVersion");
  }
  return m;
}

/// Refuses a spec.value that is not an integer, as the real codec refuses
/// a field of the wrong type.
result<thing> from_value(const json::value& value) {
  if (!value.is_object())
    return decode_error("<unknown>", "", "not an object");
  const auto& obj = value.get_object();
  thing t;
  t.meta = meta_of(value);
  if (const auto* spec = obj.if_contains("spec"); spec && spec->is_object())
    if (const auto* v = spec->get_object().if_contains("value")) {
      if (!v->is_int64())
        return decode_error(t.meta.key(), "spec.value", "expected integer");
      t.value = static_cast<int>(v->get_int64());
    }
  return t;
}

} // namespace

result<thing> decode_object(std::string_view body, thing*) {
  boost::system::error_code ec;
  auto doc = json::parse(body, ec);
  if (ec)
    return decode_error("<unknown>", "", "invalid JSON");
  return from_value(doc);
}

result<list_page<thing>> decode_list(std::string_view body, thing*) {
  boost::system::error_code ec;
  auto doc = json::parse(body, ec);
  if (ec || !doc.is_object())
    return decode_error("<list>", "", "invalid JSON");
  list_page<thing> page;
  const auto& obj = doc.get_object();
  if (const auto* meta = obj.if_contains("metadata"); meta && meta->is_object()) {
    page.resource_version = str(meta->get_object(), "resourceVersion");
    page.continue_token = str(meta->get_object(), "continue");
  }
  if (const auto* items = obj.if_contains("items"); items && items->is_array())
    for (const auto& item : items->get_array()) {
      auto t = from_value(item);
      if (t)
        page.items.push_back(std::move(t.value()));
      else
        page.undecodable.push_back({thing{meta_of(item), 0}, t.err()});
    }
  return page;
}

result<watch_event<thing>> decode_watch_event(std::string_view line, thing*) {
  boost::system::error_code ec;
  auto doc = json::parse(line, ec);
  if (ec || !doc.is_object())
    return decode_error("<watch>", "", "invalid JSON");
  const auto& obj = doc.get_object();
  const auto type = str(obj, "type");
  const auto* object = obj.if_contains("object");
  if (!object)
    return decode_error("<watch>", "object", "missing");
  watch_event<thing> ev;
  if (type == "ERROR") {
    ev.type = watch_event_type::error;
    ev.status.what = error::kind::http;
    if (const auto* code = object->get_object().if_contains("code"); code && code->is_int64())
      ev.status.status = static_cast<int>(code->get_int64());
    ev.status.reason = str(object->get_object(), "reason");
    return ev;
  }
  auto t = from_value(*object);
  if (t) {
    ev.object = std::move(t.value());
  } else {
    ev.object.meta = meta_of(*object);
    if (ev.object.meta.name.empty())
      return t.err();
    ev.undecodable = true;
    ev.failure = t.err();
  }
  if (type == "ADDED")
    ev.type = watch_event_type::added;
  else if (type == "MODIFIED")
    ev.type = watch_event_type::modified;
  else if (type == "DELETED")
    ev.type = watch_event_type::deleted;
  else if (type == "BOOKMARK")
    ev.type = watch_event_type::bookmark;
  else
    return decode_error("<watch>", "type", "unknown event type " + type);
  return ev;
}

std::string thing_json(const std::string& ns, const std::string& name, const std::string& rv, int value,
                       const std::string& uid) {
  return R"({"metadata":{"name":")" + name + R"(","namespace":")" + ns + R"(","uid":")"
         + (uid.empty() ? "uid-" + name : uid) + R"(","resourceVersion":")" + rv + R"("},"spec":{"value":)"
         + std::to_string(value) + "}}";
}

std::string refused_thing_json(const std::string& ns, const std::string& name, const std::string& rv,
                               const std::string& uid) {
  return R"({"metadata":{"name":")" + name + R"(","namespace":")" + ns + R"(","uid":")"
         + (uid.empty() ? "uid-" + name : uid) + R"(","resourceVersion":")" + rv
         + R"("},"spec":{"value":"not a number"}})";
}

std::string list_json(const std::vector<std::string>& items, const std::string& rv, const std::string& cont) {
  std::string out = R"({"kind":"ThingList","metadata":{"resourceVersion":")" + rv + R"(","continue":")" + cont
                    + R"("},"items":[)";
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i ? "," : "") + items[i];
  return out + "]}";
}

std::string event_json(const std::string& type, const std::string& object) {
  return R"({"type":")" + type + R"(","object":)" + object + "}";
}

std::string bookmark_json(const std::string& rv) {
  return R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":")" + rv + R"("}}})";
}

std::string gone_event_json() {
  return R"js({"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version: 5 (90)","reason":"Expired","code":410}})js";
}

} // namespace lattice::k8s::test
