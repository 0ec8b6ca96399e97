#pragma once

#include <google/protobuf/arena.h>

#include <memory>

namespace bv::rpc {

// A message made on an arena of its own (a unary handler's response, a parsed answer): one
// of many small fields (a list of a thousand nodes) is then neither allocated nor freed field
// by field.
template <class Message>
struct OnArena {
    std::unique_ptr<google::protobuf::Arena> arena;
    Message* message;

    static OnArena make() {
        google::protobuf::ArenaOptions options;
        options.start_block_size = 64 * 1024;
        options.max_block_size = 1024 * 1024;
        auto arena = std::make_unique<google::protobuf::Arena>(options);
        auto* message = google::protobuf::Arena::CreateMessage<Message>(arena.get());
        return {std::move(arena), message};
    }
};

}  // namespace bv::rpc
