#pragma once

#include <boost/asio/awaitable.hpp>

#include "babel/log_buffer.hpp"
#include "blockvisor/babel/v1/logs.pb.h"
#include "common/notifier.hpp"
#include "rpc/router.hpp"

namespace bv::babel {

// Serves a Logs call from `log`: the last lines, then (with follow) new lines as
// `appended` announces them, until the client goes away.
asio::awaitable<void> stream_logs(const LogBuffer& log, Notifier& appended, blockvisor::babel::v1::LogsRequest request,
                                  rpc::StreamWriter<blockvisor::babel::v1::LogsResponse>& out);

}  // namespace bv::babel
