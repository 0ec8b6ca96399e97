#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "blockvisor/v1/node.pb.h"
#include "daemon/image_store.hpp"
#include "machine/machine.hpp"

namespace bv::daemon {

namespace v1 = blockvisor::v1;

// What the start sequence needs to know about the node and this host.
struct StartPlan {
    const v1::NodeRecord& record;
    const Image& image;
    std::filesystem::path node_dir;
    std::filesystem::path babel_binary;  // the babel every node should run
    std::string babel_sha256;
    // Called as soon as the machine runs, before anything else can fail: the caller records
    // where it is, so that a bvd that dies in the middle of a start still finds it.
    std::function<void()> machine_started;
};

// How long babelsup may need to stop the node's entry points and babel: the image's
// stop_timeout_ms, babel's own 10 s, and a margin.
std::chrono::milliseconds node_stop_timeout(const Image& image);

// The seed's "Add Node" sequence on this host: start the machine, wait for babelsup,
// install or update babel when its checksum differs, set up the node (config, properties),
// wait for babel, upload the node's keys if it has some, run init once. Each step has a
// deadline; a failure is an rpc::Error naming the step.
asio::awaitable<void> run_start_sequence(machine::Machine& machine, const StartPlan& plan);

// Gracefully: babelsup's Shutdown (the chain stops within its stop timeout), then the
// machine must end; after `timeout` it is killed. With `force`, killed at once.
asio::awaitable<void> run_stop_sequence(machine::Machine& machine, bool force, std::chrono::milliseconds timeout);

}  // namespace bv::daemon
