#include "k8s/codec/decoders.hpp"

#include "k8s/codec/document.hpp"
#include "k8s/codec/meta_decoder.hpp"
#include "k8s/codec/object_decoders.hpp"

#include <exception>

namespace lattice::k8s {

namespace {

using codec::decode_context;
using codec::dom::element;

error parse_error(simdjson::error_code code) {
  return decode_error("<unknown>", "", std::string("malformed JSON: ") + simdjson::error_message(code));
}

/// Exceptions (std::bad_alloc, ...) never leave the codec.
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return decode_error("<unknown>", "", std::string("internal decoder failure: ") + e.what());
  }
}

template <class T>
result<T> decode_single(std::string_view json) {
  return guarded([&]() -> result<T> {
    element root;
    if (auto code = codec::parse_document(json, root))
      return parse_error(code);
    decode_context ctx;
    T out;
    if (!codec::decode_object(ctx, root, out))
      return ctx.take_error();
    return out;
  });
}

/// What can be read of an object whose full decode failed (see
/// codec::decode_salvage); an empty name when not even the metadata reads.
template <class T>
T salvage(element object) {
  decode_context ctx;
  T out;
  if (!codec::decode_salvage(ctx, object, out))
    return T{};
  return out;
}

template <class T>
result<list_page<T>> decode_list_of(std::string_view body) {
  return guarded([&]() -> result<list_page<T>> {
    element root;
    if (auto code = codec::parse_document(body, root))
      return parse_error(code);
    decode_context ctx;
    ctx.set_object("<list>");
    list_page<T> page;
    bool has_items = false;
    bool ok = codec::for_each_field(ctx, root, [&](std::string_view key, element v) {
      if (key == "metadata")
        return codec::for_each_field(ctx, v, [&](std::string_view k, element m) {
          if (k == "resourceVersion")
            return codec::read_string(ctx, m, page.resource_version);
          if (k == "continue")
            return codec::read_string(ctx, m, page.continue_token);
          return true;
        });
      if (key != "items")
        return true;
      has_items = true;
      codec::dom::array items;
      if (!codec::expect_array(ctx, v, items))
        return false;
      page.items.reserve(items.size());
      std::size_t index = 0;
      for (element item : items) {
        decode_context item_ctx;
        item_ctx.push("items");
        item_ctx.push(index++);
        T decoded;
        if (codec::decode_object(item_ctx, item, decoded)) {
          page.items.push_back(std::move(decoded));
        } else {
          page.undecodable.push_back({salvage<T>(item), item_ctx.take_error()});
        }
      }
      return true;
    });
    if (!ok)
      return ctx.take_error();
    // "items": null is how some servers send an empty list; absent is not a list.
    if (!has_items) {
      element items;
      if (root.at_key("items").get(items) != simdjson::SUCCESS)
        return decode_error("<list>", "items", "required field missing");
    }
    return page;
  });
}

bool parse_event_type(std::string_view s, watch_event_type& out) {
  if (s == "ADDED")
    out = watch_event_type::added;
  else if (s == "MODIFIED")
    out = watch_event_type::modified;
  else if (s == "DELETED")
    out = watch_event_type::deleted;
  else if (s == "BOOKMARK")
    out = watch_event_type::bookmark;
  else if (s == "ERROR")
    out = watch_event_type::error;
  else
    return false;
  return true;
}

error status_from_element(decode_context& ctx, element object, int default_status, bool& ok) {
  error e;
  e.what = error::kind::http;
  e.status = default_status;
  std::int64_t code = 0;
  ok = codec::for_each_field(ctx, object, [&](std::string_view key, element v) {
    if (key == "code") {
      if (!codec::read_int64(ctx, v, code))
        return false;
      if (code != 0)
        e.status = static_cast<int>(code);
      return true;
    }
    if (key == "reason")
      return codec::read_string(ctx, v, e.reason);
    if (key == "message")
      return codec::read_string(ctx, v, e.message);
    return true;
  });
  return e;
}

template <class T>
result<watch_event<T>> decode_event_of(std::string_view line) {
  return guarded([&]() -> result<watch_event<T>> {
    element root;
    if (auto code = codec::parse_document(line, root))
      return parse_error(code);
    decode_context ctx;
    codec::dom::object envelope;
    if (!codec::expect_object(ctx, root, envelope))
      return ctx.take_error();
    watch_event<T> event;
    std::string_view type;
    element v;
    if (envelope.at_key("type").get(v) != simdjson::SUCCESS || v.is_null())
      return decode_error("<unknown>", "type", "required field missing");
    if (v.get(type) != simdjson::SUCCESS)
      return decode_error("<unknown>", "type",
                          std::string("expected string, got ") + codec::type_name(v.type()));
    if (!parse_event_type(type, event.type))
      return decode_error("<unknown>", "type", "unknown watch event type \"" + std::string(type) + "\"");
    element object;
    if (envelope.at_key("object").get(object) != simdjson::SUCCESS || object.is_null())
      return decode_error("<unknown>", "object", "required field missing");
    codec::scoped_path at(ctx, "object");
    switch (event.type) {
    case watch_event_type::bookmark: {
      codec::dom::object o;
      if (!codec::expect_object(ctx, object, o) || !codec::decode_meta(ctx, o, event.object.meta, false))
        return ctx.take_error();
      return event;
    }
    case watch_event_type::error: {
      bool ok = false;
      event.status = status_from_element(ctx, object, 0, ok);
      if (!ok)
        return ctx.take_error();
      return event;
    }
    default:
      if (codec::decode_object(ctx, object, event.object))
        return event;
      // The envelope is sound, only the object is refused: say which one, so
      // the watch can skip it and go on (an object without readable
      // metadata cannot be skipped by name and fails the line).
      event.failure = ctx.take_error();
      event.object = salvage<T>(object);
      if (event.object.meta.name.empty())
        return event.failure;
      event.undecodable = true;
      return event;
    }
  });
}

} // namespace

result<training_job> decode_training_job(std::string_view json) {
  return decode_single<training_job>(json);
}
result<pod> decode_pod(std::string_view json) {
  return decode_single<pod>(json);
}
result<node> decode_node(std::string_view json) {
  return decode_single<node>(json);
}
result<service> decode_service(std::string_view json) {
  return decode_single<service>(json);
}
result<lease> decode_lease(std::string_view json) {
  return decode_single<lease>(json);
}

result<list_page<training_job>> decode_list(std::string_view body, training_job*) {
  return decode_list_of<training_job>(body);
}
result<list_page<pod>> decode_list(std::string_view body, pod*) {
  return decode_list_of<pod>(body);
}
result<list_page<node>> decode_list(std::string_view body, node*) {
  return decode_list_of<node>(body);
}
result<list_page<service>> decode_list(std::string_view body, service*) {
  return decode_list_of<service>(body);
}
result<list_page<lease>> decode_list(std::string_view body, lease*) {
  return decode_list_of<lease>(body);
}

result<watch_event<training_job>> decode_watch_event(std::string_view line, training_job*) {
  return decode_event_of<training_job>(line);
}
result<watch_event<pod>> decode_watch_event(std::string_view line, pod*) {
  return decode_event_of<pod>(line);
}
result<watch_event<node>> decode_watch_event(std::string_view line, node*) {
  return decode_event_of<node>(line);
}
result<watch_event<service>> decode_watch_event(std::string_view line, service*) {
  return decode_event_of<service>(line);
}
result<watch_event<lease>> decode_watch_event(std::string_view line, lease*) {
  return decode_event_of<lease>(line);
}

error decode_status(std::string_view body, int http_status) {
  auto fallback = [&] {
    error e;
    e.what = error::kind::http;
    e.status = http_status;
    e.message = std::string(body.substr(0, 200));
    return e;
  };
  try {
    element root;
    if (codec::parse_document(body, root) != simdjson::SUCCESS || !root.is_object())
      return fallback();
    decode_context ctx;
    bool ok = false;
    error e = status_from_element(ctx, root, http_status, ok);
    if (!ok)
      return fallback();
    if (http_status != 0)
      e.status = http_status; // the HTTP status line is authoritative
    return e;
  } catch (const std::exception&) {
    return fallback();
  }
}

} // namespace lattice::k8s
