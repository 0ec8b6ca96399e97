#include "rpc/router.hpp"

#include <google/protobuf/descriptor.h>

#include <stdexcept>

namespace bv::rpc {

const Route* Router::find(std::string_view path) const {
    if (path.starts_with('/')) path.remove_prefix(1);
    const auto found = routes_.find(path);
    return found == routes_.end() ? nullptr : &found->second;
}

std::vector<std::string> Router::procedures() const {
    std::vector<std::string> names;
    for (const auto& [name, route] : routes_) names.push_back(name);
    return names;
}

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
