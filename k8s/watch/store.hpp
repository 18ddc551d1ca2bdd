#pragma once

#include "k8s/list_watch_types.hpp"

#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace lattice::k8s::watch {

enum class delta_type { added, updated, deleted };

/// What the reflector's consumer is told. `previous` is the stored version
/// for updated and deleted, null for added.
template <class T>
using delta_handler = std::function<void(delta_type, const T& object, const T* previous)>;

/// Trims an object to what the store keeps once the handler has seen it.
/// It must keep meta.name, namespace_, uid and resource_version (the store
/// compares them); what else it keeps is what a later `previous` and a
/// relist's deleted delta carry. Empty: the whole object.
template <class T>
using stored_form = std::function<void(T&)>;

/// The reflector's cache: key ("ns/name") -> last seen object (whose
/// meta.resource_version says which version it is). Every change to it is
/// reported to the handler exactly once; events that would not change it
/// (a replayed ADDED with the same resourceVersion, a DELETED for an
/// unknown key) are dropped. Not thread-safe; the reflector serialises.
template <class T>
class store {
public:
  store() = default;
  /// Keeps only `form` of each object after its delta (memory: the
  /// consumer usually holds the whole object itself).
  explicit store(stored_form<T> form) : form_(std::move(form)) {}

  /// Applies one watch event (added, modified or deleted).
  void apply(watch_event_type type, T object, const delta_handler<T>& handler) {
    auto key = object.meta.key();
    auto found = items_.find(key);
    if (type == watch_event_type::deleted) {
      if (found == items_.end())
        return;
      T previous = std::move(found->second);
      items_.erase(found);
      handler(delta_type::deleted, object, &previous);
      return;
    }
    if (found == items_.end()) {
      auto& stored = items_.emplace(std::move(key), std::move(object)).first->second;
      handler(delta_type::added, stored, nullptr);
      trim(stored);
      return;
    }
    upsert_existing(found->second, std::move(object), handler);
  }

  /// Removes `key` (an object deleted whose last version could not be
  /// decoded), reporting the stored version as deleted; nothing if absent.
  void remove(const std::string& key, const delta_handler<T>& handler) {
    auto found = items_.find(key);
    if (found == items_.end())
      return;
    T previous = std::move(found->second);
    items_.erase(found);
    handler(delta_type::deleted, previous, &previous);
  }

  /// Removes `key` if what is stored under it is another incarnation than
  /// `uid` (deleted and created again, the new one undecodable).
  void remove_other_incarnation(const std::string& key, const std::string& uid,
                                const delta_handler<T>& handler) {
    auto found = items_.find(key);
    if (found != items_.end() && !uid.empty() && !found->second.meta.uid.empty()
        && found->second.meta.uid != uid)
      remove(key, handler);
  }

  /// Client-go's Replace: makes the store equal to a fresh full list and
  /// reports the difference: adds for new keys, updates for changed
  /// resourceVersions, deletes for keys that vanished, nothing for the
  /// unchanged. An object recreated under the same name (new uid) shows as
  /// a delete of the old and an add of the new. Keys in `present` were
  /// listed but could not be decoded: what is stored under them stays.
  void replace(std::vector<T> items, const delta_handler<T>& handler,
               const std::unordered_set<std::string>& present = {}) {
    std::unordered_set<std::string> listed = present;
    listed.reserve(items.size() + present.size());
    for (const auto& item : items)
      listed.insert(item.meta.key());
    for (auto it = items_.begin(); it != items_.end();) {
      if (listed.count(it->first) == 0) {
        T previous = std::move(it->second);
        it = items_.erase(it);
        handler(delta_type::deleted, previous, &previous);
      } else {
        ++it;
      }
    }
    // Adds and updates in list order, so consumers see a stable sequence.
    for (auto& item : items) {
      auto key = item.meta.key();
      auto found = items_.find(key);
      if (found == items_.end()) {
        auto& stored = items_.emplace(std::move(key), std::move(item)).first->second;
        handler(delta_type::added, stored, nullptr);
        trim(stored);
      } else {
        upsert_existing(found->second, std::move(item), handler);
      }
    }
  }

  const T* find(const std::string& key) const {
    auto found = items_.find(key);
    return found == items_.end() ? nullptr : &found->second;
  }
  std::size_t size() const { return items_.size(); }
  /// Every key with its stored resourceVersion.
  std::vector<std::pair<std::string, std::string>> versions() const {
    std::vector<std::pair<std::string, std::string>> out;
    out.reserve(items_.size());
    for (const auto& [key, object] : items_)
      out.emplace_back(key, object.meta.resource_version);
    return out;
  }

private:
  void upsert_existing(T& stored, T object, const delta_handler<T>& handler) {
    if (stored.meta.resource_version == object.meta.resource_version && stored.meta.uid == object.meta.uid)
      return; // already seen: a replay must not be applied twice
    T previous = std::move(stored);
    stored = std::move(object);
    if (!previous.meta.uid.empty() && !stored.meta.uid.empty() && previous.meta.uid != stored.meta.uid) {
      handler(delta_type::deleted, previous, &previous);
      handler(delta_type::added, stored, nullptr);
    } else {
      handler(delta_type::updated, stored, &previous);
    }
    trim(stored);
  }
  void trim(T& stored) const {
    if (form_)
      form_(stored);
  }

  stored_form<T> form_;
  std::unordered_map<std::string, T> items_;
};

} // namespace lattice::k8s::watch
