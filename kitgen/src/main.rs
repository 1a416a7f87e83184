//! The `kitgen` command. Everything lives in [`kitgen::cli`], so that tests
//! can drive it too.

fn main() -> std::process::ExitCode {
    kitgen::cli::main(std::env::args_os())
}
