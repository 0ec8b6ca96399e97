#include "rpc/router.hpp"

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

void Router::files(std::string prefix, std::filesystem::path directory, FileAuthorizer authorize) {
    if (prefix.size() < 2 || !prefix.starts_with('/') || !prefix.ends_with('/')) {
        throw std::logic_error("file mount prefix '" + prefix + "' does not start and end with '/'");
    }
    file_mounts_.push_back({std::move(prefix), std::move(directory), std::move(authorize)});
}

const FileMount* Router::find_files(std::string_view path) const {
    for (const auto& mount : file_mounts_) {
        if (path.starts_with(mount.prefix)) return &mount;
    }
    return nullptr;
}

void Router::page(std::string path, PageHandler handler) { pages_[std::move(path)] = std::move(handler); }

const PageHandler* Router::find_page(std::string_view path) const {
    const auto found = pages_.find(path);
    return found == pages_.end() ? nullptr : &found->second;
}

void Router::check_procedure_package(const std::string& procedure, const std::string& request_type) {
    const auto slash = procedure.find('/');
    const auto service_dot = procedure.rfind('.', slash);
    if (slash == std::string::npos || service_dot == std::string::npos) {
        throw std::logic_error("procedure '" + procedure + "' is not of the form package.Service/Method");
    }
    const auto package = procedure.substr(0, service_dot + 1);
    if (!request_type.starts_with(package)) {
        throw std::logic_error("handler for '" + procedure + "' takes " + request_type + ", not a message of its package");
    }
}

}  // namespace bv::rpc
