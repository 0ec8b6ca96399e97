#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include "rpc/server.hpp"

namespace bv::rpc {
namespace {

TEST(AdoptListener, TakesAListeningSocketAndMakesItCloseOnExec) {
    boost::asio::io_context io;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::listen(fd, 4), 0);  // bound to a free port of its own
    auto acceptor = adopt_listener(io.get_executor(), fd);
    EXPECT_TRUE(acceptor.is_open());
    EXPECT_EQ(acceptor.native_handle(), fd);
    EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0) << "a node's later children would inherit it";
}

TEST(AdoptListener, RefusesWhatIsNoListeningSocketNamingTheDescriptor) {
    boost::asio::io_context io;
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    int pipe_ends[2];
    ASSERT_EQ(::pipe(pipe_ends), 0);
    const int closed = ::dup(pipe_ends[0]);
    ::close(closed);
    for (const int fd : {pair[0], pipe_ends[0], closed}) {
        try {
            adopt_listener(io.get_executor(), fd);
            ADD_FAILURE() << "accepted file descriptor " << fd;
        } catch (const std::system_error& error) {
            EXPECT_NE(std::string(error.what()).find("file descriptor " + std::to_string(fd) + " is not a listening socket"),
                      std::string::npos)
                << error.what();
        }
    }
    for (const int fd : {pair[0], pair[1], pipe_ends[0], pipe_ends[1]}) ::close(fd);
}

}  // namespace
}  // namespace bv::rpc
