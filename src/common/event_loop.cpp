#include "common/event_loop.hpp"

#include <malloc.h>

#include <boost/asio/co_spawn.hpp>

#include "common/log.hpp"

namespace bv {

int run_event_loop(std::string_view program,
                   const std::function<boost::asio::awaitable<void>(boost::asio::io_context&)>& main) {
    int exit_code = 0;
    boost::asio::io_context io;
    boost::asio::co_spawn(io, main(io), [&](std::exception_ptr error) {
        if (error) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                log::error("{} failed: {}", program, e.what());
                exit_code = 1;
            }
        }
        io.stop();
    });
    io.run();
    return exit_code;
}

void return_large_buffers_to_the_system() { ::mallopt(M_MMAP_THRESHOLD, 256 * 1024); }

}  // namespace bv
