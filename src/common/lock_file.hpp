#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace bv {

// An exclusive lock held for as long as the object lives (flock on a file that records the
// holder's PID). The kernel drops it when the process dies, so a crash never leaves it held.
class LockFile {
public:
    // nullopt when another process holds it; `holder` then gets what the file says of it.
    static std::optional<LockFile> try_acquire(const std::filesystem::path& path, std::string* holder = nullptr);
    ~LockFile();
    LockFile(LockFile&& other) noexcept;
    LockFile& operator=(LockFile&& other) noexcept;

private:
    explicit LockFile(int fd) : fd_(fd) {}
    int fd_;
};

}  // namespace bv
