#!/usr/bin/env node
// Builds the npm packages of a release:
//   node npm/pack.js --binary target/release/wffmt --target x86_64-unknown-linux-gnu --out dist/npm
// writes `wffmt-<version>.tgz` (the launcher, same for every platform) and the platform package
// `wffmt-cli-<os>-<cpu>[-musl]-<version>.tgz` carrying the binary. Run it once per target; publish
// the platform packages before the launcher.
"use strict";

const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");

// Rust target -> npm platform package suffix and its `os` / `cpu` / `libc` fields.
const TARGETS = {
  "x86_64-unknown-linux-gnu": { suffix: "linux-x64", os: "linux", cpu: "x64", libc: "glibc" },
  "aarch64-unknown-linux-gnu": { suffix: "linux-arm64", os: "linux", cpu: "arm64", libc: "glibc" },
  "x86_64-unknown-linux-musl": { suffix: "linux-x64-musl", os: "linux", cpu: "x64", libc: "musl" },
  "aarch64-unknown-linux-musl": { suffix: "linux-arm64-musl", os: "linux", cpu: "arm64", libc: "musl" },
  "x86_64-apple-darwin": { suffix: "darwin-x64", os: "darwin", cpu: "x64" },
  "aarch64-apple-darwin": { suffix: "darwin-arm64", os: "darwin", cpu: "arm64" },
  "x86_64-pc-windows-msvc": { suffix: "win32-x64", os: "win32", cpu: "x64", exe: ".exe" },
  "aarch64-pc-windows-msvc": { suffix: "win32-arm64", os: "win32", cpu: "arm64", exe: ".exe" },
};

const ROOT = path.resolve(__dirname, "..");

function fail(message) {
  process.stderr.write(`pack.js: ${message}\n`);
  process.exit(2);
}

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!["binary", "target", "out"].includes(key) || argv[i + 1] === undefined) {
      fail("usage: node npm/pack.js --binary PATH --target RUST_TARGET --out DIR");
    }
    out[key] = argv[i + 1];
  }
  for (const key of ["binary", "target", "out"]) if (!out[key]) fail(`--${key} is required`);
  return out;
}

function cargoVersion() {
  const cargo = fs.readFileSync(path.join(ROOT, "Cargo.toml"), "utf8");
  const pkg = cargo.split(/^\[/m).find((section) => section.startsWith("package]"));
  const match = pkg && pkg.match(/^version\s*=\s*"([^"]+)"/m);
  if (!match) fail("no [package] version in Cargo.toml");
  return match[1];
}

// The launcher's manifest must name this version and every platform package.
function checkLauncher(manifest, version) {
  if (manifest.version !== version) {
    fail(`npm/wffmt/package.json has version ${manifest.version}, Cargo.toml ${version}`);
  }
  const expected = Object.values(TARGETS).map((t) => `@wffmt/cli-${t.suffix}`).sort();
  const listed = Object.keys(manifest.optionalDependencies || {}).sort();
  if (JSON.stringify(expected) !== JSON.stringify(listed)) {
    fail(`npm/wffmt/package.json optionalDependencies must be exactly ${expected.join(", ")}`);
  }
  for (const [name, range] of Object.entries(manifest.optionalDependencies)) {
    if (range !== version) fail(`${name} is at ${range} in npm/wffmt/package.json, not ${version}`);
  }
}

function npmPack(dir, out) {
  const output = execFileSync("npm", ["pack", "--silent", "--pack-destination", out], {
    cwd: dir,
    encoding: "utf8",
  });
  return path.join(out, output.trim().split("\n").pop());
}

function main() {
  const { binary, target, out } = args();
  const platform = TARGETS[target];
  if (!platform) fail(`unknown target ${target}; known: ${Object.keys(TARGETS).join(", ")}`);
  if (!fs.existsSync(binary)) fail(`no binary at ${binary}`);
  const version = cargoVersion();
  const outDir = path.resolve(out);
  const stage = path.join(outDir, "stage");
  fs.rmSync(stage, { recursive: true, force: true });

  // The launcher package, as it is in the repository.
  const launcherSrc = path.join(ROOT, "npm", "wffmt");
  const launcher = JSON.parse(fs.readFileSync(path.join(launcherSrc, "package.json"), "utf8"));
  checkLauncher(launcher, version);
  const launcherDir = path.join(stage, "wffmt");
  fs.mkdirSync(path.join(launcherDir, "bin"), { recursive: true });
  fs.copyFileSync(path.join(launcherSrc, "package.json"), path.join(launcherDir, "package.json"));
  fs.copyFileSync(path.join(launcherSrc, "bin", "wffmt.js"), path.join(launcherDir, "bin", "wffmt.js"));
  fs.chmodSync(path.join(launcherDir, "bin", "wffmt.js"), 0o755);
  fs.copyFileSync(path.join(launcherSrc, "README.md"), path.join(launcherDir, "README.md"));

  // The platform package: the binary and a manifest that npm installs only where it runs.
  const name = `@wffmt/cli-${platform.suffix}`;
  const platformDir = path.join(stage, platform.suffix);
  fs.mkdirSync(path.join(platformDir, "bin"), { recursive: true });
  const manifest = {
    name,
    version,
    description: `The wffmt binary for ${platform.suffix}`,
    license: launcher.license,
    os: [platform.os],
    cpu: [platform.cpu],
    ...(platform.libc ? { libc: [platform.libc] } : {}),
    files: ["bin/"],
    preferUnplugged: true,
  };
  fs.writeFileSync(path.join(platformDir, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  const exe = path.join(platformDir, "bin", `wffmt${platform.exe || ""}`);
  fs.copyFileSync(binary, exe);
  fs.chmodSync(exe, 0o755);

  fs.mkdirSync(outDir, { recursive: true });
  const packed = [npmPack(platformDir, outDir), npmPack(launcherDir, outDir)];
  fs.rmSync(stage, { recursive: true, force: true });
  for (const file of packed) process.stdout.write(`${file}\n`);
}

main();
