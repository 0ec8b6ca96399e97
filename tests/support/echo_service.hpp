#pragma once

#include "bvtest/v1/echo.pb.h"
#include "rpc/router.hpp"

namespace bv::test {

namespace asio = boost::asio;

// bvtest.v1.EchoService: a service with delays and failures on demand, for testing src/rpc.
class EchoService {
public:
    void register_with(rpc::Router& router);

    asio::awaitable<bvtest::v1::EchoResponse> echo(bvtest::v1::EchoRequest request, rpc::CallContext& context);
    asio::awaitable<void> count(bvtest::v1::CountRequest request, rpc::StreamWriter<bvtest::v1::CountResponse>& out,
                                rpc::CallContext& context);

    // How many calls started, ran to their end, and were cancelled midway.
    int started = 0;
    int completed = 0;
    int cancelled = 0;
    std::string last_authorization;
};

}  // namespace bv::test
