#pragma once

// The messages bv-api keeps and serves: the hosts' contract (blockvisor.api.v1) and its own admin
// API (blockvisor.api.admin.v1). The store keeps messages in BLOB columns as protobuf bytes.

#include "api/database.hpp"
#include "blockvisor/api/admin/v1/admin.pb.h"
#include "blockvisor/api/v1/auth.pb.h"
#include "blockvisor/api/v1/command.pb.h"
#include "blockvisor/api/v1/common.pb.h"
#include "blockvisor/api/v1/host.pb.h"
#include "blockvisor/api/v1/image.pb.h"
#include "blockvisor/api/v1/key.pb.h"
#include "blockvisor/api/v1/metrics.pb.h"
#include "blockvisor/api/v1/node.pb.h"

namespace bv::api {

namespace v1 = blockvisor::api::v1;
namespace admin = blockvisor::api::admin::v1;

// A message read back from a BLOB column; an empty (or NULL) column is the empty message.
template <class Message>
Message message_column(const Statement& statement, int column) {
    Message message;
    if (!message.ParseFromString(statement.blob(column))) {
        throw DatabaseError("database: a stored " + message.GetTypeName() + " does not parse");
    }
    return message;
}

}  // namespace bv::api
