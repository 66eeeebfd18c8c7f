//! The `harness` command: parses arguments and maps results to exit codes (see `harness::cli`).

fn main() -> std::process::ExitCode {
    harness::cli::main()
}
