#pragma once

// The whole message vocabulary and every actor interface (docs/design/operator.md).
#include "protocol/autoscaler_actor.hpp"
#include "protocol/gateway_actor.hpp"
#include "protocol/job_actor.hpp"
#include "protocol/node_actor.hpp"
#include "protocol/probe_actor.hpp"
#include "protocol/router_actor.hpp"
#include "protocol/type_ids.hpp"
