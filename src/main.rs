//! The `wffmt` binary: parse arguments, run, exit with the code the contract defines.

use clap::Parser;

fn main() {
    tune_allocator();
    let cli = wffmt::cli::Cli::parse();
    std::process::exit(wffmt::app::run(cli));
}

/// glibc's allocator gives blocks from 128 kB up back to the system when they are freed (and
/// moves that bound as it goes), and trims its heap as soon as 128 kB at the top are free. A run
/// allocates and frees blocks of that size for every file (its text, tokens, nodes, the
/// rewritten text), so their pages were faulted in again file after file. With blocks up to
/// 256 kB served from the heap, and 512 kB kept free at its top, they are reused.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only sets allocator parameters; no other thread exists yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 10);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 10);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}
