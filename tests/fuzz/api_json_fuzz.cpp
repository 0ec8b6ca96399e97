// Protobuf JSON bodies of every message of bvd's API and the control-plane contract (the first
// byte picks the message type), as the Connect server decodes them; what decodes must encode
// and decode again to the same message.

#include <google/protobuf/util/message_differencer.h>

#include "blockvisor/api/admin/v1/admin.pb.h"
#include "blockvisor/api/v1/auth.pb.h"
#include "blockvisor/api/v1/command.pb.h"
#include "blockvisor/api/v1/common.pb.h"
#include "blockvisor/api/v1/host.pb.h"
#include "blockvisor/api/v1/image.pb.h"
#include "blockvisor/api/v1/key.pb.h"
#include "blockvisor/api/v1/metrics.pb.h"
#include "blockvisor/api/v1/node.pb.h"
#include "blockvisor/v1/config.pb.h"
#include "blockvisor/v1/host.pb.h"
#include "blockvisor/v1/host_metrics.pb.h"
#include "blockvisor/v1/image.pb.h"
#include "blockvisor/v1/journal.pb.h"
#include "blockvisor/v1/node.pb.h"
#include "fuzz_input.hpp"
#include "rpc/error.hpp"
#include "rpc/message_codec.hpp"

namespace {

namespace protobuf = google::protobuf;

// Every message type of the contracts' files, found from one message of each file (naming one
// also links the file's generated code in).
std::vector<const protobuf::Message*> all_message_types() {
    const std::vector<const protobuf::FileDescriptor*> files{
        blockvisor::v1::HostConfig::descriptor()->file(),
        blockvisor::v1::ProvisionRequest::descriptor()->file(),
        blockvisor::v1::HostMetricsRequest::descriptor()->file(),
        blockvisor::v1::ListImagesRequest::descriptor()->file(),
        blockvisor::v1::CommandJournalEntry::descriptor()->file(),
        blockvisor::v1::NodeImage::descriptor()->file(),
        blockvisor::api::v1::RefreshRequest::descriptor()->file(),
        blockvisor::api::v1::SubscribeRequest::descriptor()->file(),
        blockvisor::api::v1::NodeNetwork::descriptor()->file(),
        blockvisor::api::v1::ProvisionRequest::descriptor()->file(),
        blockvisor::api::v1::LocateImageRequest::descriptor()->file(),
        blockvisor::api::v1::NodeKey::descriptor()->file(),
        blockvisor::api::v1::HostMetrics::descriptor()->file(),
        blockvisor::api::v1::UpdateNodeStatusRequest::descriptor()->file(),
        blockvisor::api::admin::v1::Host::descriptor()->file(),
    };
    std::vector<const protobuf::Message*> types;
    for (const auto* file : files) {
        for (int i = 0; i < file->message_type_count(); ++i) {
            types.push_back(protobuf::MessageFactory::generated_factory()->GetPrototype(file->message_type(i)));
        }
    }
    return types;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto types = all_message_types();
    if (size < 1) return 0;
    const auto& prototype = *types[data[0] % types.size()];
    const auto json = bv::fuzz::text_of(data + 1, size - 1);
    std::unique_ptr<protobuf::Message> message(prototype.New());
    try {
        bv::rpc::decode_json(json, *message);
    } catch (const bv::rpc::Error&) {
        return 0;  // refused: invalid_argument, as a client is told
    }
    std::unique_ptr<protobuf::Message> again(prototype.New());
    bv::rpc::decode_json(bv::rpc::encode_json(*message), *again);
    bv::fuzz::require(protobuf::util::MessageDifferencer::Equals(*message, *again), "JSON round trip keeps the message");
    // The binary form too: what the server accepted in JSON, it can send in protobuf.
    std::unique_ptr<protobuf::Message> binary(prototype.New());
    bv::rpc::decode_proto(bv::rpc::encode_proto(*message), *binary);
    bv::fuzz::require(protobuf::util::MessageDifferencer::Equals(*message, *binary), "protobuf round trip keeps the message");
    return 0;
}
