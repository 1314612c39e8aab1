// A node:test reporter for long suites: one line per top-level suite or file with its count, the
// whole report of every failing test, and the runner's closing summary. `--test-reporter=spec`
// lists every test instead.
import { inspect } from "node:util";

const indent = (text, by) => text.replace(/^/gm, " ".repeat(by));

export default async function* compact(source) {
  let passed = 0;
  let failures = [];
  for await (const event of source) {
    if (event.type === "test:pass" || event.type === "test:fail") {
      const { name, nesting, details } = event.data;
      const failed = event.type === "test:fail";
      if (nesting > 0) {
        if (details?.type === "suite") continue;
        if (failed) failures.push(`  ✖ ${name}\n${indent(inspect(details.error, { depth: 4 }), 4)}\n`);
        else passed++;
        continue;
      }
      const leaf = details?.type !== "suite";
      if (leaf) {
        if (failed) failures.push(`  ✖ ${name}\n${indent(inspect(details.error, { depth: 4 }), 4)}\n`);
        else passed++;
      }
      yield `${failed ? "✖" : "✔"} ${name} (${passed} passed${failures.length ? `, ${failures.length} failed` : ""})\n${failures.join("")}`;
      passed = 0;
      failures = [];
    } else if (event.type === "test:diagnostic" && event.data.nesting === 0) {
      yield `ℹ ${event.data.message}\n`;
    } else if (event.type === "test:stderr" || event.type === "test:stdout") {
      yield event.data.message;
    }
  }
}
