// Calls bvd the way any Connect user would: connect-es with code generated from proto/.
// Prints one line per check; run-connect-es compares them.
import { createPromiseClient, ConnectError, Code } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { HostService } from "./gen/blockvisor/v1/host_connect.js";
import { TestHooksService } from "./gen/blockvisor/v1/test_hooks_connect.js";
import { NodeService } from "./gen/blockvisor/v1/node_connect.js";

const socketPath = process.argv[2];
for (const useBinaryFormat of [false, true]) {
  const transport = createConnectTransport({
    baseUrl: "http://localhost",
    httpVersion: "1.1",
    useBinaryFormat,
    nodeOptions: { socketPath },
  });
  const host = createPromiseClient(HostService, transport);
  const health = await host.health({});
  console.log(`health(${useBinaryFormat ? "proto" : "json"}): ${health.status} ${health.version}`);
  try {
    await createPromiseClient(TestHooksService, transport).sleep({ delayMs: 2000 }, { timeoutMs: 200 });
    console.log("deadline: no error");
  } catch (e) {
    console.log(`deadline: ${Code[ConnectError.from(e).code]}`);
  }
  const nodes = createPromiseClient(NodeService, transport);
  try {
    await nodes.get({ node: "no-such-node" });
  } catch (e) {
    console.log(`unknown node: ${Code[ConnectError.from(e).code]}`);
  }
  const events = [];
  const abort = new AbortController();
  const watching = (async () => {
    try {
      for await (const event of nodes.watch({}, { signal: abort.signal })) events.push(event.kind);
    } catch (e) {
      return ConnectError.from(e).code;
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 100));
  abort.abort();
  console.log(`watch cancelled: ${Code[await watching]}`);
  const list = await nodes.list({});
  console.log(`list: ${list.nodes.length} nodes`);
}
