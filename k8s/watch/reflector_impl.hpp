#pragma once

// Out-of-line members of reflector<T>; included by reflector.hpp only.

namespace lattice::k8s::watch {

/// The decoder's field path relative to the object: "object.spec.priority"
/// (a watch event) and "items[3].spec.priority" (a list item) both become
/// "spec.priority".
inline std::string object_relative_field(const std::string& field) {
  if (field.rfind("object.", 0) == 0)
    return field.substr(7);
  if (field.rfind("items[", 0) == 0) {
    const auto close = field.find("].");
    if (close != std::string::npos)
      return field.substr(close + 2);
  }
  return field;
}

template <class T>
result<list_page<T>> reflector<T>::list_all() {
  const auto path = options_.resource.collection_path(options_.namespace_);
  list_page<T> all;
  std::string continue_token;
  do {
    auto query = selectors();
    if (options_.page_size > 0)
      query.emplace_back("limit", std::to_string(options_.page_size));
    if (!continue_token.empty())
      query.emplace_back("continue", continue_token);
    auto body = client_->call("GET", path, query);
    if (!body) {
      // An expired continue token: the snapshot is gone, start the list over.
      if (body.err().status == 410 && !continue_token.empty()) {
        all.items.clear();
        all.undecodable.clear();
        continue_token.clear();
        continue;
      }
      return body.err();
    }
    auto page = decode_list(std::string_view(*body), static_cast<T*>(nullptr));
    if (!page)
      return page.err();
    for (auto& item : page->items)
      all.items.push_back(std::move(item));
    // Items the codec refused go on (by name) to replace_store.
    for (auto& bad : page->undecodable)
      all.undecodable.push_back(std::move(bad));
    // Every page carries the snapshot's resourceVersion; the last one counts.
    all.resource_version = std::move(page->resource_version);
    continue_token = std::move(page->continue_token);
  } while (!continue_token.empty() && !stopping());
  return all;
}

template <class T>
typename reflector<T>::watch_end reflector<T>::watch_once() {
  auto query = selectors();
  query.emplace_back("watch", "1");
  query.emplace_back("resourceVersion", last_resource_version());
  query.emplace_back("allowWatchBookmarks", "true");
  query.emplace_back("timeoutSeconds", std::to_string(options_.watch_timeout.count()));
  // The server ends the watch after timeoutSeconds; silence well beyond that
  // means the connection is dead without a FIN (a vanished peer).
  const auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(options_.watch_timeout)
                    + std::chrono::seconds(30);
  auto opened = client_->watch(options_.resource.collection_path(options_.namespace_), query, idle);
  if (!opened) {
    if (opened.err().status == 410) {
      note_gone();
      return watch_end::relist;
    }
    report(opened.err());
    return watch_end::backoff;
  }
  auto stream = std::move(opened.value());
  {
    std::lock_guard<std::mutex> lock(control_mutex_);
    if (stopped_)
      return watch_end::stopped;
    stream_ = stream.get();
    std::lock_guard<std::mutex> stats_lock(store_mutex_);
    ++stats_.watches_opened;
  }
  auto detach = [this] {
    std::lock_guard<std::mutex> lock(control_mutex_);
    stream_ = nullptr;
  };
  const auto started = std::chrono::steady_clock::now();
  bool delivered = false;
  watch_end end = watch_end::resume;
  while (true) {
    auto line = stream->next_line();
    if (!line) {
      if (line.err().what == error::kind::cancelled) {
        end = watch_end::stopped;
      } else {
        report(line.err());
        end = watch_end::backoff;
      }
      break;
    }
    if (!line->has_value()) {
      // The server's timeoutSeconds ran out: resume at once.
      std::lock_guard<std::mutex> lock(store_mutex_);
      last_progress_ = std::chrono::steady_clock::now();
      break;
    }
    auto event = decode_watch_event(std::string_view(**line), static_cast<T*>(nullptr));
    if (!event) {
      // A line that names no object (broken JSON, no readable metadata)
      // cannot be skipped by name: restart the watch from the last good
      // resourceVersion (after a backoff). A refused object that names
      // itself comes back as an undecodable event instead.
      report(event.err());
      end = watch_end::backoff;
      break;
    }
    if (event->type == watch_event_type::error) {
      if (event->status.status == 410) {
        note_gone();
        end = watch_end::relist;
      } else {
        report(event->status);
        end = watch_end::backoff;
      }
      break;
    }
    std::lock_guard<std::mutex> lock(store_mutex_);
    last_progress_ = std::chrono::steady_clock::now();
    if (event->type == watch_event_type::bookmark) {
      ++stats_.bookmarks;
      resource_version_ = event->object.meta.resource_version;
      continue;
    }
    ++stats_.events;
    auto version = event->object.meta.resource_version;
    if (event->undecodable) {
      skip_undecodable(event->type, refused_object<T>{std::move(event->object), std::move(event->failure)});
    } else {
      refused_.erase(event->object.meta.key());
      store_.apply(event->type, std::move(event->object), on_delta_);
    }
    resource_version_ = std::move(version);
    delivered = true;
  }
  detach();
  if (delivered || std::chrono::steady_clock::now() - started >= options_.healthy_after)
    healthy_ = true;
  return end;
}

template <class T>
void reflector<T>::report_undecodable(const refused_object<T>& bad) {
  ++stats_.undecodable;
  auto& seen = refused_[bad.object.meta.key()];
  if (seen.uid == bad.object.meta.uid && seen.resource_version == bad.object.meta.resource_version)
    return; // this version was reported already (a relist shows it again)
  seen = bad.object.meta;
  if (!on_undecodable_)
    return;
  auto relative = bad;
  relative.failure.field = object_relative_field(bad.failure.field);
  on_undecodable_(relative);
}

template <class T>
void reflector<T>::skip_undecodable(watch_event_type type, refused_object<T> bad) {
  const auto key = bad.object.meta.key();
  if (type == watch_event_type::deleted) {
    // Gone is gone, whatever its last version held.
    const bool reported = refused_.erase(key) > 0;
    if (store_.find(key) != nullptr)
      store_.remove(key, on_delta_);
    else if (reported)
      on_delta_(delta_type::deleted, bad.object, &bad.object); // it was only ever reported refused
    return;
  }
  store_.remove_other_incarnation(key, bad.object.meta.uid, on_delta_);
  report_undecodable(bad);
}

template <class T>
void reflector<T>::replace_store(list_page<T> listed) {
  std::unordered_set<std::string> refused_keys;
  for (const auto& bad : listed.undecodable) {
    if (bad.object.meta.name.empty()) {
      report(bad.failure); // not even its name: nothing to keep or skip by
      continue;
    }
    refused_keys.insert(bad.object.meta.key());
    store_.remove_other_incarnation(bad.object.meta.key(), bad.object.meta.uid, on_delta_);
  }
  // Keys refused before and decodable now are forgotten, so a later refusal
  // of the same version is news again; those gone from the list are deleted.
  std::unordered_set<std::string> decoded_keys;
  for (const auto& item : listed.items)
    decoded_keys.insert(item.meta.key());
  std::vector<object_meta> vanished;
  for (auto it = refused_.begin(); it != refused_.end();) {
    if (refused_keys.count(it->first) > 0) {
      ++it;
      continue;
    }
    if (decoded_keys.count(it->first) == 0 && store_.find(it->first) == nullptr)
      vanished.push_back(it->second);
    it = refused_.erase(it);
  }
  for (const auto& meta : vanished)
    forget_refused(meta);
  store_.replace(std::move(listed.items), on_delta_, refused_keys);
  for (const auto& bad : listed.undecodable)
    if (!bad.object.meta.name.empty())
      report_undecodable(bad);
}

template <class T>
void reflector<T>::forget_refused(const object_meta& meta) {
  T gone{};
  gone.meta = meta;
  on_delta_(delta_type::deleted, gone, &gone);
}

template <class T>
void reflector<T>::run() {
  http::backoff delays(options_.backoff, options_.random);
  bool need_list = options_.resume_from.empty();
  if (!need_list) {
    std::lock_guard<std::mutex> lock(store_mutex_);
    resource_version_ = options_.resume_from;
  }
  while (!stopping()) {
    if (need_list) {
      auto listed = list_all();
      if (!listed) {
        report(listed.err());
        if (!sleep_for(retry_delay(delays)))
          break;
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(store_mutex_);
        ++stats_.lists;
        last_progress_ = std::chrono::steady_clock::now();
        resource_version_ = listed->resource_version;
        replace_store(std::move(listed.value()));
      }
      need_list = false;
      if (!synced_.exchange(true) && on_synced_)
        on_synced_();
    }
    healthy_ = false;
    const auto end = watch_once();
    if (healthy_) {
      delays.reset();
      in_outage_ = false;
    }
    switch (end) {
    case watch_end::stopped:
      return;
    case watch_end::resume:
      break;
    case watch_end::relist: {
      {
        std::lock_guard<std::mutex> lock(store_mutex_);
        ++stats_.relists_after_gone;
      }
      need_list = true;
      // After a healthy watch the relist is immediate; a 410 right after
      // (re)connecting waits, so a server that keeps saying Gone is not hammered.
      if (!healthy_ && !sleep_for(retry_delay(delays)))
        return;
      break;
    }
    case watch_end::backoff:
      if (!sleep_for(retry_delay(delays)))
        return;
      break;
    }
  }
}

} // namespace lattice::k8s::watch
