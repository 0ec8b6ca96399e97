#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace bv::test {

// A node image built by scripts/build-image (litecoin or dummy), cached in the build tree and
// shared by the tests that run at the same time (building it is serialised with a lock).
std::filesystem::path test_image(const std::string& image, const std::string& version = {});
// The same with the VM backends' part (scripts/build-image --vm: vm/vmlinux, modules, os.img).
std::filesystem::path test_vm_image(const std::string& image, const std::string& version = {});

// Host PIDs of the processes running inside the node whose root directory is `root`
// (/proc/<pid>/root points there), with their command names.
struct NodeProcess {
    int pid;
    std::string command;
    char state;  // R, S, Z...: Z is a zombie nobody reaped
};
std::vector<NodeProcess> processes_in(const std::filesystem::path& root);

}  // namespace bv::test
