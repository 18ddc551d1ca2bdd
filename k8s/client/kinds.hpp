#pragma once

#include "k8s/client/object_client.hpp"
#include "k8s/codec/decoders.hpp"

#include <memory>
#include <string_view>

namespace lattice::k8s {

/// The Lease's decoder in the overload style object_client<T> finds.
inline result<lease> decode_object(std::string_view json, lease*) {
  return decode_lease(json);
}

} // namespace lattice::k8s

namespace lattice::k8s::client {

/// The typed client of the operator's Lease (leader election).
inline object_client<lease> lease_client(std::shared_ptr<rest_client> client) {
  return object_client<lease>(std::move(client), leases_resource());
}

} // namespace lattice::k8s::client
