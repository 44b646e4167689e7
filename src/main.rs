//! The `wffmt` binary: parse arguments, run, exit with the code the contract defines.

use clap::Parser;

fn main() {
    let cli = wffmt::cli::Cli::parse();
    std::process::exit(wffmt::app::run(cli));
}
