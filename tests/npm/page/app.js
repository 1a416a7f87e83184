// The page of tests/tests/browser.rs. connect-web, as a front-end team
// would use it, calls a kitgen service on another origin over Connect (JSON,
// binary, and GET for a method with no side effects) and over gRPC-Web,
// with message schemas read at run time from the descriptor set the
// service's reflection serves. Each result goes to the page's own origin,
// which the test reads.

import { createClient, ConnectError, Code } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

const params = new URLSearchParams(location.search);
const baseUrl = params.get("service");

async function main() {
  const bytes = new Uint8Array(await (await fetch("/descriptors.bin")).arrayBuffer());
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes));
  const orders = registry.getService("ordersvc.OrderService");
  const feed = registry.getService("feed.Feed");
  const transports = {
    connect_json: createConnectTransport({ baseUrl }),
    connect_binary: createConnectTransport({ baseUrl, useBinaryFormat: true }),
    connect_get: createConnectTransport({ baseUrl, useHttpGet: true }),
    grpc_web: createGrpcWebTransport({ baseUrl }),
  };
  const results = {};
  for (const [name, transport] of Object.entries(transports)) {
    try {
      results[name] = await exercise(
        name,
        createClient(orders, transport),
        createClient(feed, transport),
      );
    } catch (error) {
      results[name] = { failed: String(error && error.stack ? error.stack : error) };
    }
  }
  await report(results);
}

// One transport's calls: a write, a read, a business error, a server
// stream, and a stream that ends with an error after two messages.
async function exercise(name, orders, feed) {
  const id = `${name}-1`;
  const created = await orders.create({
    order: {
      id,
      customerId: "c-7",
      createdOn: 1700000000n,
      orderItems: [{ productCode: "margherita", name: "Margherita", unitPrice: 9.5, quantity: 2 }],
    },
  });
  const fetched = await orders.getById({ id });
  const order = fetched.value;
  const missing = await failure(() => orders.getById({ id: "nope" }));
  const seqs = [];
  for await (const tick of feed.ticks({ from: 3n, count: 3n, noteBytes: 1 })) {
    seqs.push(tick.value.seq.toString());
  }
  const before = [];
  const unlucky = await failure(async () => {
    for await (const tick of feed.ticks({ from: 0n, count: 5n, noteBytes: 1, failAt: 2n })) {
      before.push(tick.value.seq.toString());
    }
  });
  return {
    created: created.value,
    order: {
      id: order.id,
      customerId: order.customerId,
      status: order.status,
      createdOn: order.createdOn.toString(),
      items: order.orderItems.map((item) => `${item.quantity} x ${item.productCode} at ${item.unitPrice}`),
    },
    missing,
    seqs,
    unlucky: { before, ...unlucky },
  };
}

// What a call's ConnectError says: its code's name, message, and the
// variant kitgen sends as metadata.
async function failure(call) {
  try {
    await call();
    return { code: "none" };
  } catch (error) {
    const connect = ConnectError.from(error);
    return {
      code: Code[connect.code],
      message: connect.rawMessage,
      variant: connect.metadata.get("kit-error-variant"),
    };
  }
}

async function report(results) {
  document.getElementById("status").textContent = "done";
  await fetch("/results", { method: "POST", body: JSON.stringify(results) });
}

main().catch((error) => report({ page: String(error && error.stack ? error.stack : error) }));
