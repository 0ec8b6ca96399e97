#include <google/protobuf/descriptor.h>

#include <stdexcept>

#include "rpc/router.hpp"

namespace bv::rpc {

void Router::check_procedure(const std::string& procedure, const std::string& request_type,
                             const std::string& response_type, bool server_streaming) {
    const auto slash = procedure.find('/');
    if (slash == std::string::npos) {
        throw std::logic_error("procedure '" + procedure + "' is not of the form package.Service/Method");
    }
    const auto method_name = procedure.substr(0, slash) + "." + procedure.substr(slash + 1);
    const auto* method = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(method_name);
    if (method == nullptr) {
        throw std::logic_error("procedure '" + procedure + "' is not declared in any proto/ service");
    }
    if (method->input_type()->full_name() != request_type ||
        method->output_type()->full_name() != response_type ||
        method->server_streaming() != server_streaming || method->client_streaming()) {
        throw std::logic_error("handler for '" + procedure + "' does not match its proto declaration");
    }
}

}  // namespace bv::rpc
