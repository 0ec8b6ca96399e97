#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "blockvisor/v1/node.pb.h"

namespace bv::daemon {

// Node status changes waiting to be sent to the control plane: per node the latest only (a
// control plane that was away gets the state now, not the history), nodes in the order they
// changed. Bounded by the number of nodes. Plain: no I/O.
class StatusQueue {
public:
    // Keeps `event` unless the node already has a later one waiting.
    void add(const blockvisor::v1::NodeEvent& event);
    // The oldest node's latest change, taken out of the queue.
    std::optional<blockvisor::v1::NodeEvent> take();
    // A change that could not be sent goes back, unless a newer one came meanwhile.
    void put_back(const blockvisor::v1::NodeEvent& event);
    std::size_t size() const { return latest_.size(); }
    bool empty() const { return latest_.empty(); }

private:
    std::map<std::string, blockvisor::v1::NodeEvent> latest_;
    std::deque<std::string> order_;  // node ids, each once
};

}  // namespace bv::daemon
