// Stands in for a wedged inference process: answers `status`, never answers anything else.
process.on("message", (m) => {
  if (m.rpc !== "call") return;
  if (m.method === "status") process.send({ rpc: "result", id: m.id, value: { pid: process.pid, rssBytes: process.memoryUsage.rss(), runs: 0, analyses: 0, cancelled: 0 } });
});
process.on("disconnect", () => process.exit(0));
