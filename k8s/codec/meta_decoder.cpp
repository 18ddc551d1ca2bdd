#include "k8s/codec/meta_decoder.hpp"

namespace lattice::k8s::codec {

namespace {

constexpr std::string_view last_applied_annotation = "kubectl.kubernetes.io/last-applied-configuration";

bool decode_owner_reference(decode_context& ctx, dom::element value, owner_ref& ref) {
  bool ok = for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "apiVersion")
      return read_string(ctx, v, ref.api_version);
    if (key == "kind")
      return read_string(ctx, v, ref.kind);
    if (key == "name")
      return read_string(ctx, v, ref.name);
    if (key == "uid")
      return read_string(ctx, v, ref.uid);
    if (key == "controller")
      return read_bool(ctx, v, ref.controller);
    return true;
  });
  if (ok && ref.name.empty())
    return ctx.fail_at("name", "required field missing");
  return ok;
}

bool read_annotations(decode_context& ctx, dom::element value, std::map<std::string, std::string>& out) {
  return for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    std::string s;
    if (!read_string(ctx, v, s))
      return false;
    if (key != last_applied_annotation)
      out.insert_or_assign(std::string(key), std::move(s));
    return true;
  });
}

} // namespace

bool decode_meta(decode_context& ctx, dom::object root, object_meta& meta, bool name_required) {
  dom::element metadata;
  if (root.at_key("metadata").get(metadata) != simdjson::SUCCESS || metadata.is_null()) {
    if (name_required)
      return ctx.fail_at("metadata", "required field missing");
    return true;
  }
  scoped_path at(ctx, "metadata");
  dom::object fields;
  if (!expect_object(ctx, metadata, fields))
    return false;
  // Name and namespace first, so errors in the other fields name the object.
  dom::element v;
  if (fields.at_key("name").get(v) == simdjson::SUCCESS && !v.is_null()) {
    scoped_path name_at(ctx, "name");
    if (!read_string(ctx, v, meta.name))
      return false;
  }
  if (fields.at_key("namespace").get(v) == simdjson::SUCCESS && !v.is_null()) {
    scoped_path ns_at(ctx, "namespace");
    if (!read_string(ctx, v, meta.namespace_))
      return false;
  }
  if (meta.name.empty()) {
    if (name_required)
      return ctx.fail_at("name", "required field missing");
  } else {
    ctx.set_object(&meta);
  }
  return for_each_field(ctx, metadata, [&](std::string_view key, dom::element value) {
    if (key == "uid")
      return read_string(ctx, value, meta.uid);
    if (key == "resourceVersion")
      return read_string(ctx, value, meta.resource_version);
    if (key == "generation")
      return read_int64(ctx, value, meta.generation);
    if (key == "creationTimestamp")
      return read_string(ctx, value, meta.creation_timestamp);
    if (key == "deletionTimestamp")
      return read_string(ctx, value, meta.deletion_timestamp);
    if (key == "labels")
      return read_string_map(ctx, value, meta.labels);
    if (key == "annotations")
      return read_annotations(ctx, value, meta.annotations);
    if (key == "ownerReferences")
      return for_each_item(ctx, value, [&](std::size_t, dom::element item) {
        meta.owner_references.emplace_back();
        return decode_owner_reference(ctx, item, meta.owner_references.back());
      });
    return true; // managedFields, finalizers, ...: not used
  });
}

bool decode_object_root(decode_context& ctx, dom::element root, dom::object& object, object_meta& meta,
                        bool name_required) {
  if (!expect_object(ctx, root, object))
    return false;
  return decode_meta(ctx, object, meta, name_required);
}

} // namespace lattice::k8s::codec
