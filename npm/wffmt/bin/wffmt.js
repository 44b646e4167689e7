#!/usr/bin/env node
// Runs the wffmt binary of this platform. The binary ships in one optional dependency per
// platform (`@wffmt/cli-<os>-<cpu>[-musl]`); npm installs only the one whose `os`, `cpu` and
// `libc` fields match. WFFMT_BINARY names another binary to run instead.
"use strict";

const { spawnSync } = require("child_process");

function isMusl() {
  if (process.platform !== "linux") return false;
  try {
    // glibc's runtime version is in the process report; musl has none.
    const header = process.report.getReport().header;
    return !header.glibcVersionRuntime;
  } catch (_) {
    return false;
  }
}

function platformPackage() {
  const libc = isMusl() ? "-musl" : "";
  return `@wffmt/cli-${process.platform}-${process.arch}${libc}`;
}

function findBinary() {
  if (process.env.WFFMT_BINARY) return process.env.WFFMT_BINARY;
  const pkg = platformPackage();
  const exe = process.platform === "win32" ? "wffmt.exe" : "wffmt";
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch (_) {
    process.stderr.write(
      `wffmt: no binary for this platform (${pkg} is not installed).\n` +
        "  help: reinstall without --no-optional / --omit=optional; on an unsupported platform " +
        "install with `cargo install wffmt` or `pip install wffmt` instead, or set WFFMT_BINARY " +
        "to a wffmt binary\n"
    );
    process.exit(2);
  }
}

const result = spawnSync(findBinary(), process.argv.slice(2), {
  stdio: "inherit",
  windowsHide: true,
});
if (result.error) {
  process.stderr.write(`wffmt: cannot run the binary: ${result.error.message}\n`);
  process.exit(2);
}
if (result.signal) {
  // Die of the same signal, so that callers see what happened to the binary.
  process.kill(process.pid, result.signal);
}
process.exit(result.status === null ? 2 : result.status);
