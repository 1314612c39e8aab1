// Stands in for the inference process: answers the first call, then dies as a native crash would.
let calls = 0;
process.on("message", (m) => {
  if (m.rpc !== "call") return;
  calls++;
  if (calls === 1) process.send({ rpc: "result", id: m.id, value: "first" });
  else process.kill(process.pid, "SIGSEGV");
});
process.on("disconnect", () => process.exit(0));
