#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <string_view>

namespace bv {

// Runs `main` on a new io_context until it completes, then stops the loop (timers, signal
// watches and child watches would keep it alive). Returns 0, or 1 after logging what `main`
// threw, naming `program`.
int run_event_loop(std::string_view program,
                   const std::function<boost::asio::awaitable<void>(boost::asio::io_context&)>& main);

// For processes that live as long as their node (babel, babelsup): large buffers go back to
// the system when freed instead of staying in the heap.
void return_large_buffers_to_the_system();

}  // namespace bv
