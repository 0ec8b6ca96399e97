#include "machine/process_roots.hpp"

#include <charconv>
#include <system_error>

namespace bv::machine {
namespace {

std::filesystem::path root_of(const std::string& pid) {
    std::error_code ignored;  // gone, or not ours to read: no root
    return std::filesystem::read_symlink("/proc/" + pid + "/root", ignored);
}

}  // namespace

ProcessRoots ProcessRoots::read() {
    ProcessRoots roots;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        pid_t pid = 0;
        const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), pid);
        if (error != std::errc() || end != name.data() + name.size()) continue;  // not a process
        auto root = root_of(name);
        if (root.empty() || root == "/") continue;
        roots.by_root_[root.string()].push_back(pid);
    }
    return roots;
}

const std::vector<pid_t>& ProcessRoots::under(const std::filesystem::path& root) const {
    static const std::vector<pid_t> none;
    const auto found = by_root_.find(root.native());
    return found == by_root_.end() ? none : found->second;
}

bool process_root_is(pid_t pid, const std::filesystem::path& root) { return root_of(std::to_string(pid)) == root; }

}  // namespace bv::machine
