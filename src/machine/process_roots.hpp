#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bv::machine {

// The host's processes whose root directory (/proc/PID/root) is not the host's own, by that
// root: the processes of sandboxes, read in one pass over /proc.
class ProcessRoots {
public:
    static ProcessRoots read();
    // The processes whose root was `root` when they were read (some may have exited since).
    const std::vector<pid_t>& under(const std::filesystem::path& root) const;

private:
    std::map<std::string, std::vector<pid_t>, std::less<>> by_root_;
};

// Whether `pid`'s root directory is `root` now: a PID read a while ago may be another
// process's since.
bool process_root_is(pid_t pid, const std::filesystem::path& root);

}  // namespace bv::machine
